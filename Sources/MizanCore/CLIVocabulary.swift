/// The command line's vocabulary as the library's messages name it: every flag a remedy tells the user to pass is
/// spelled here and nowhere else in the library modules (`Sources/Mizan*`; a test checks). Messages interpolate a
/// case — "pass \(CLIFlag.metrics)" reads "pass --metrics" — so renaming a flag in the CLI (`Sources/mizan`) means
/// renaming it here, and a test checks that every flag spelled here is one the CLI accepts.
public enum CLIFlag: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Accept runs whose settings differ.
    case allowIncomparable = "allow-incomparable"
    /// A stored run to use as the candidate.
    case candidate
    /// The column holding the answer of a multiple-choice item.
    case answer
    /// Whether answer numbers count from 0 or 1.
    case answerBase = "answer-base"
    /// The columns holding the choices of a multiple-choice item.
    case choices
    /// The configuration file.
    case config
    /// The per-choice continuation template of an imported log-likelihood suite.
    case continuation
    /// The folder holding the dataset.
    case dir
    /// The endpoint to use.
    case endpoint
    /// The share of items that may end in endpoint errors.
    case errorBudget = "error-budget"
    /// Replace a non-empty output folder.
    case force
    /// A hypothesis file of `mizan score` (repeated for a paired test).
    case hyp
    /// The language tag.
    case lang
    /// The languages of an imported bits-per-byte suite.
    case languages
    /// The licence of the imported copy.
    case licence
    /// The likelihood method of a log-likelihood suite.
    case likelihood
    /// How many items.
    case limit
    /// The metrics to compute.
    case metrics
    /// A run or baseline name.
    case name
    /// Send every request instead of reusing stored answers.
    case noCache = "no-cache"
    /// The output folder.
    case out
    /// The paired approximate randomization test of `mizan score`.
    case pairedAr = "paired-ar"
    /// The paired bootstrap resampling test of `mizan score`.
    case pairedBs = "paired-bs"
    /// A reference file.
    case ref
    /// Continue a stored run.
    case resume
    /// The two runs of a human study (baseline, candidate).
    case runs
    /// Send again the items that ended in endpoint errors (with the resume flag).
    case retryErrors = "retry-errors"
    /// The column holding the reference.
    case reference
    /// How an imported multiple-choice suite is answered (generate or loglikelihood).
    case scoring
    /// Several generations per item.
    case samples
    /// The SentencePiece model file of the spm/flores BLEU tokenizers.
    case spmModel = "spm-model"
    /// One slice of a sharded run, `i/n`.
    case shard
    /// The split to import.
    case split
    /// The store.
    case store
    /// Stream responses (measures time to first token).
    case stream
    /// The suite.
    case suite
    /// The task of the imported suite.
    case task
    /// The column holding the continuation to score (imported loglikelihood suites).
    case target
    /// One score per segment (`mizan score`).
    case sentence
    /// The sampling temperature.
    case temperature
    /// The suite version to write.
    case version
    /// BLEU's tokenizer (`mizan score`).
    case tokenize
    /// Case-insensitive BLEU/chrF (`mizan score`).
    case lowercase
    /// Case-sensitive TER (`mizan score`).
    case caseSensitive = "case-sensitive"
    /// BLEU smoothing method (`mizan score`).
    case smoothMethod = "smooth-method"
    /// BLEU smoothing value (`mizan score`).
    case smoothValue = "smooth-value"
    /// BLEU's highest n-gram order (`mizan score`).
    case maxNgramOrder = "max-ngram-order"
    /// BLEU effective order (`mizan score`).
    case effectiveOrder = "effective-order"
    /// chrF character order (`mizan score`).
    case chrfCharOrder = "chrf-char-order"
    /// chrF word order (`mizan score`).
    case chrfWordOrder = "chrf-word-order"
    /// chrF β (`mizan score`).
    case chrfBeta = "chrf-beta"
    /// chrF keeps whitespace (`mizan score`).
    case chrfWhitespace = "chrf-whitespace"
    /// chrF epsilon smoothing (`mizan score`).
    case chrfEpsSmoothing = "chrf-eps-smoothing"
    /// TER normalization (`mizan score`).
    case terNormalized = "ter-normalized"
    /// TER punctuation removal (`mizan score`).
    case terNoPunct = "ter-no-punct"
    /// TER Asian support (`mizan score`).
    case terAsianSupport = "ter-asian-support"

    /// The flag as typed on the command line, e.g. `--error-budget`.
    public var description: String { "--" + rawValue }
}

/// The commands library remedies tell the user to run, spelled here (see `CLIFlag`).
public enum CLICommand: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Runs a suite against an endpoint.
    case run
    /// Lists the runs of a store.
    case runs
    /// Shows what an endpoint can do.
    case probe
    /// Saves runs as a named baseline.
    case baselineSave = "baseline save"
    /// Creates a human pairwise study.
    case humanNew = "human new"
    /// Adds annotators to a human study.
    case humanAnnotators = "human annotators"

    /// The command as typed, e.g. `mizan baseline save`.
    public var description: String { "mizan " + rawValue }
}
