import MizanCore

/// What an annotator chose for a pair, as presented: answer A (shown first), answer B (shown second), a tie, or both bad.
/// "A" and "B" are positions on the page, not runs: `PresentedPair.bShownFirst` maps them back (see `Outcome`).
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// The answer shown first (labelled A) is better.
    case a
    /// The answer shown second (labelled B) is better.
    case b
    /// Both are as good as each other.
    case tie
    /// Both are bad (neither is acceptable); counted apart from ties, and as a tie in win rates and Bradley–Terry.
    case bothBad = "both_bad"
}

/// A verdict mapped back to the study's runs: the study's run A won, its run B won, a tie, or both bad.
public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// The study's first run (`Study.runA`, the baseline) won.
    case runA = "run_a"
    /// The study's second run (`Study.runB`, the candidate) won.
    case runB = "run_b"
    /// A tie.
    case tie
    /// Both answers bad.
    case bothBad = "both_bad"

    /// The outcome of `verdict` on a pair shown with run B's answer first (`bShownFirst`) or second.
    public init(_ verdict: Verdict, bShownFirst: Bool) {
        switch verdict {
        case .a: self = bShownFirst ? .runB : .runA
        case .b: self = bShownFirst ? .runA : .runB
        case .tie: self = .tie
        case .bothBad: self = .bothBad
        }
    }
}

/// What a study asks annotators to do.
public enum StudyKind: String, Sendable, Hashable, Codable {
    /// Compare two runs' answers to the same items (pairwise preference).
    case pairwise
    /// Review a suite's items (ok / fix / remove); the study's one run supplies the items' prompts and references.
    case review
}

/// How to create a study (`HumanStudies.createStudy`).
public struct StudySpec: Sendable, Hashable, Codable {
    /// A name for people (shown on pages and in `mizan human results`).
    public var name: String
    /// Pairwise or review.
    public var kind: StudyKind
    /// The baseline run's id (or unique prefix when creating): answers of this run are "run A".
    public var runA: String
    /// The candidate run's id (or unique prefix); equal to `runA` for a review study.
    public var runB: String
    /// Only items of this suite id (nil: the runs' suite; both runs must be on it).
    public var suite: String?
    /// Only items in this language tag (nil: all).
    public var language: String?
    /// How many annotators judge each pair (K ≥ 1).
    public var perItem: Int
    /// Whether annotators see the reference answer.
    public var showReference: Bool
    /// Seed of the presentation order (pairs' order and which answer is shown first); nil draws one, which the study records.
    public var seed: UInt64?
    /// At most this many pairs (nil: every common item × sample), taken in the seeded order.
    public var limit: Int?

    /// A spec with the defaults: K = 1, no reference shown, every item, a drawn seed.
    public init(name: String, kind: StudyKind = .pairwise, runA: String, runB: String, suite: String? = nil, language: String? = nil,
                perItem: Int = 1, showReference: Bool = false, seed: UInt64? = nil, limit: Int? = nil) {
        self.name = name
        self.kind = kind
        self.runA = runA
        self.runB = runB
        self.suite = suite
        self.language = language
        self.perItem = perItem
        self.showReference = showReference
        self.seed = seed
        self.limit = limit
    }
}

/// A stored study.
public struct Study: Sendable, Hashable {
    /// Study id, e.g. `hs-3f9a1c2d`.
    public var id: String
    /// The spec it was created from, with full run ids and the seed actually used.
    public var spec: StudySpec
    /// Full id of run A (the baseline).
    public var runA: String { spec.runA }
    /// Full id of run B (the candidate).
    public var runB: String { spec.runB }
    /// The suite id of the study's items.
    public var suiteID: String
    /// The seed used for the presentation order.
    public var seed: UInt64 { spec.seed ?? 0 }
    /// Number of pairs (items × samples) in the study.
    public var pairCount: Int
    /// ISO-8601 creation time.
    public var createdAt: String

    /// A study as stored.
    public init(id: String, spec: StudySpec, suiteID: String, pairCount: Int, createdAt: String) {
        self.id = id
        self.spec = spec
        self.suiteID = suiteID
        self.pairCount = pairCount
        self.createdAt = createdAt
    }
}

/// A study just created, with its owner token in clear: shown once, stored only as a SHA-256 hash.
public struct CreatedStudy: Sendable {
    /// The study.
    public var study: Study
    /// The owner token (admin actions: add annotators, see results on the web); never stored in clear.
    public var ownerToken: String
}

/// A person judging a study's pairs (or reviewing its suite), known by a token handed out by the study owner.
public struct Annotator: Sendable, Hashable {
    /// Annotator id, e.g. `ha-0c1d2e3f`.
    public var id: String
    /// The study this annotator belongs to (a token opens only this study).
    public var studyID: String
    /// The name the owner gave (credited in review changelogs).
    public var name: String
    /// ISO-8601 time the annotator was added.
    public var createdAt: String

    /// An annotator as stored.
    public init(id: String, studyID: String, name: String, createdAt: String) {
        self.id = id
        self.studyID = studyID
        self.name = name
        self.createdAt = createdAt
    }
}

/// An annotator just added, with the token in clear: shown once, stored only as a SHA-256 hash.
public struct IssuedToken: Sendable, Hashable {
    /// The annotator.
    public var annotator: Annotator
    /// The token to hand to the annotator.
    public var token: String
}

/// One answer as the annotation page shows it (no run or model: the page is blind).
public struct PresentedAnswer: Sendable, Hashable {
    /// The answer text (nil when the endpoint failed on this item).
    public var text: String?
    /// The endpoint error, when there is no answer.
    public var error: String?
}

/// A pair as an annotator sees it: the prompt, maybe the references, and two answers in the recorded presentation order.
public struct PresentedPair: Sendable, Hashable {
    /// The study.
    public var studyID: String
    /// Pair number within the study (stable; used in forms).
    public var pair: Int
    /// Item id in the suite.
    public var itemID: String
    /// Sample number (0 unless the runs drew several samples per item).
    public var sample: Int
    /// The item's language tag (pages set `lang` and `dir` from it).
    public var language: String
    /// The prompt both runs answered.
    public var prompt: String
    /// The references, empty unless the study shows them.
    public var references: [String]
    /// The answer shown first, labelled A.
    public var answerA: PresentedAnswer
    /// The answer shown second, labelled B.
    public var answerB: PresentedAnswer
    /// True when run B's answer is the one shown first (recorded at creation from the study's seed). Not for pages.
    public var bShownFirst: Bool
    /// The annotator's progress in the study when this pair is shown.
    public var progress: StudyProgress
}

/// How far an annotator (or the study) is.
public struct StudyProgress: Sendable, Hashable {
    /// Judgments made.
    public var done: Int
    /// Judgments to make in all (for an annotator: the pairs they may still get plus those done).
    public var total: Int

    /// `done` out of `total`.
    public init(done: Int, total: Int) {
        self.done = done
        self.total = total
    }
}

/// One stored judgment.
public struct Judgment: Sendable, Hashable {
    /// The study.
    public var studyID: String
    /// Pair number.
    public var pair: Int
    /// Item id.
    public var itemID: String
    /// Sample number.
    public var sample: Int
    /// Item language.
    public var language: String
    /// The annotator.
    public var annotatorID: String
    /// The annotator's name.
    public var annotatorName: String
    /// The verdict as presented (A = shown first).
    public var verdict: Verdict
    /// The verdict mapped back to the runs.
    public var outcome: Outcome
    /// The annotator's comment, if any.
    public var comment: String?
    /// ISO-8601 time it was recorded.
    public var createdAt: String
}

/// What `HumanStudies.recordJudgment` did.
public enum RecordOutcome: String, Sendable, Hashable {
    /// The judgment was stored (one transaction).
    case recorded
    /// A judgment with this submission key was already stored (a resent form): nothing changed.
    case duplicate
    /// This annotator had already judged this pair under another submission key: nothing changed.
    case alreadyJudged = "already_judged"
}

/// A reviewer's decision on a suite item.
public enum ReviewDecision: String, Sendable, Hashable, Codable, CaseIterable {
    /// The item is right as it is.
    case ok
    /// The item needs a fix (see the suggested input or reference).
    case fix
    /// The item should be removed from the suite.
    case remove
}

/// A review to record (`HumanStudies.recordReview`).
public struct ReviewSubmission: Sendable, Hashable {
    /// The decision.
    public var decision: ReviewDecision
    /// A corrected input (prompt text of the item's input field), for `fix`.
    public var suggestedInput: String?
    /// A corrected reference, for `fix`.
    public var suggestedReference: String?
    /// A comment.
    public var comment: String?

    /// A review submission; empty strings count as absent.
    public init(decision: ReviewDecision, suggestedInput: String? = nil, suggestedReference: String? = nil, comment: String? = nil) {
        self.decision = decision
        self.suggestedInput = suggestedInput.flatMap { $0.isEmpty ? nil : $0 }
        self.suggestedReference = suggestedReference.flatMap { $0.isEmpty ? nil : $0 }
        self.comment = comment.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// One stored review of a suite item: one per (suite, version, item, reviewer); a new review by the same reviewer replaces it.
public struct Review: Sendable, Hashable {
    /// Suite id.
    public var suiteID: String
    /// Suite version reviewed.
    public var suiteVersion: String
    /// Item id.
    public var itemID: String
    /// The reviewer's name (credited in the changelog).
    public var reviewer: String
    /// The decision and suggestions.
    public var submission: ReviewSubmission
    /// The study through which it was made, if any.
    public var studyID: String?
    /// ISO-8601 time.
    public var createdAt: String

    /// A review as stored.
    public init(suiteID: String, suiteVersion: String, itemID: String, reviewer: String, submission: ReviewSubmission, studyID: String?,
                createdAt: String) {
        self.suiteID = suiteID
        self.suiteVersion = suiteVersion
        self.itemID = itemID
        self.reviewer = reviewer
        self.submission = submission
        self.studyID = studyID
        self.createdAt = createdAt
    }
}

/// A suite item as the review page shows it.
public struct ReviewItem: Sendable, Hashable {
    /// Item id.
    public var itemID: String
    /// Language tag.
    public var language: String
    /// The prompt as the run rendered it.
    public var prompt: String
    /// The item's input field, when the item has one (`input`), else nil.
    public var input: String?
    /// The references.
    public var references: [String]
    /// This reviewer's earlier review of the item, if any.
    public var existing: Review?
}

/// How much of a suite version has been reviewed.
public struct ReviewCoverage: Sendable, Hashable {
    /// Suite id.
    public var suiteID: String
    /// Suite version.
    public var suiteVersion: String
    /// Items in the suite version (when known: the caller passes it), else nil.
    public var itemCount: Int?
    /// Items with at least one review.
    public var reviewedItems: Int
    /// Items with at least two reviews (by different people).
    public var itemsWithTwoOrMore: Int
    /// Distinct reviewers.
    public var reviewers: [String]
    /// Reviews by decision.
    public var decisions: [ReviewDecision: Int]
}
