import MizanCore

/// Why a human-evaluation call refused: the web app maps `kind` to an HTTP status, the CLI prints `description` (exit 2).
public struct HumanError: UserFacingError, Hashable {
    /// The kinds of refusal.
    public enum Kind: String, Sendable, Hashable {
        /// No such study, annotator, pair or item (HTTP 404).
        case notFound = "not_found"
        /// A token that does not open this study or action (HTTP 403).
        case forbidden
        /// Bad input: an unknown verdict, a pair not assigned to this annotator, an empty name (HTTP 400).
        case invalid
    }

    /// The kind.
    public var kind: Kind
    /// The message, with what to do.
    public var message: String

    /// An error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// 2, as every input error.
    public var exitCode: Int32 { 2 }
    /// The message.
    public var description: String { message }
}

/// Win / tie / loss counts between the study's two runs, and the win rate of run B over run A.
public struct WinTieLoss: Sendable, Hashable {
    /// Judgments preferring run A.
    public var runAWins: Int
    /// Judgments preferring run B.
    public var runBWins: Int
    /// Ties.
    public var ties: Int
    /// Both bad.
    public var bothBad: Int

    /// An empty or given tally.
    public init(runAWins: Int = 0, runBWins: Int = 0, ties: Int = 0, bothBad: Int = 0) {
        self.runAWins = runAWins
        self.runBWins = runBWins
        self.ties = ties
        self.bothBad = bothBad
    }

    /// Every judgment counted.
    public var judged: Int { runAWins + runBWins + ties + bothBad }

    /// Win rate of run B over run A: (B wins + (ties + both bad) / 2) / judged; nil with no judgment.
    /// A tie and a "both bad" say neither answer is preferred, so each counts half a win to each side.
    public var winRateB: Double? {
        judged == 0 ? nil : (Double(runBWins) + Double(ties + bothBad) / 2) / Double(judged)
    }

    /// Win rate of run A over run B (1 − `winRateB`).
    public var winRateA: Double? { winRateB.map { 1 - $0 } }

    /// Adds one outcome.
    public mutating func add(_ o: Outcome) {
        switch o {
        case .runA: runAWins += 1
        case .runB: runBWins += 1
        case .tie: ties += 1
        case .bothBad: bothBad += 1
        }
    }
}

/// A proportion with a 95% interval.
public struct Estimate: Sendable, Hashable {
    /// The point estimate.
    public var value: Double
    /// Lower end of the 95% interval.
    public var low: Double
    /// Upper end of the 95% interval.
    public var high: Double
}

/// One language's tally.
public struct LanguageTally: Sendable, Hashable {
    /// Language tag.
    public var language: String
    /// Counts and win rate.
    public var tally: WinTieLoss
    /// Win rate of run B with its bootstrap 95% interval (nil with no judgment).
    public var winRateB: Estimate?
}

/// A model's Bradley–Terry strength.
public struct Strength: Sendable, Hashable {
    /// Run id.
    public var runID: String
    /// Label (run name, or endpoint · model).
    public var label: String
    /// Log-strength θ, with run A fixed at 0; the modelled probability that this run beats another is
    /// exp θᵢ / (exp θᵢ + exp θⱼ). Interval from the bootstrap over pairs.
    public var logStrength: Estimate
}

/// Which agreement statistic was computed.
public enum AgreementMethod: String, Sendable, Hashable, Codable {
    /// Cohen's κ: exactly two annotators in the study, over the pairs both judged.
    case cohen
    /// Fleiss' κ: more annotators, over the pairs judged by the most common number (≥ 2) of annotators.
    case fleiss
}

/// Inter-annotator agreement on the outcome (run A / run B / tie / both bad).
public struct Agreement: Sendable, Hashable {
    /// Cohen's or Fleiss' κ.
    public var method: AgreementMethod
    /// κ (nil when undefined: every judgment in one category).
    public var kappa: Double?
    /// Pairs the statistic is computed on.
    public var pairs: Int
    /// Annotators per pair.
    public var ratersPerPair: Int
    /// Share of pairs (Cohen) or of rater pairs (Fleiss) that agree: the observed agreement.
    public var observed: Double
}

/// The human preference between two runs as `mizan compare`, `mizan gate` and the web app show it: one function
/// (`HumanStudies.preference`) produces it, so every place shows the same numbers.
public struct HumanPreference: Sendable, Hashable {
    /// The studies pooled (every study between the two runs, in either order).
    public var studyIDs: [String]
    /// The baseline run.
    public var runA: String
    /// The candidate run.
    public var runB: String
    /// Counts from run B's side.
    public var tally: WinTieLoss
    /// Win rate of run B over run A with its bootstrap 95% interval (nil with no judgment).
    public var winRateB: Estimate?
    /// Judgments counted.
    public var judgments: Int { tally.judged }
}

/// Everything `mizan human results` and the study-results page show.
public struct StudyResults: Sendable, Hashable {
    /// The study.
    public var study: Study
    /// Label of run A.
    public var labelA: String
    /// Label of run B.
    public var labelB: String
    /// Judgments made and wanted (pairs × K).
    public var progress: StudyProgress
    /// Annotators of the study.
    public var annotators: Int
    /// All judgments.
    public var overall: WinTieLoss
    /// Per language, by tag.
    public var byLanguage: [LanguageTally]
    /// The preference (win rate of B over A with interval), as compare and gate show it.
    public var preference: HumanPreference
    /// Bradley–Terry strengths of both runs (run A at 0).
    public var strengths: [Strength]
    /// Agreement, when some pairs have two or more judgments.
    public var agreement: Agreement?
    /// Bootstrap resamples used, and the seed.
    public var resamples: Int
    /// Seed of the bootstrap.
    public var bootstrapSeed: UInt64
}
