import Foundation
import MizanCore

/// sacrebleu's BLEU smoothing methods (Chen & Cherry 2014): `exp` is sacrebleu's default.
public enum BLEUSmoothing: String, Sendable, CaseIterable, Codable {
    /// No smoothing.
    case none
    /// A zero precision becomes `value / total` (default value 0.1).
    case floor
    /// `k` is added to the matches and totals of orders 2 and up (default k 1).
    case addK = "add-k"
    /// NIST smoothing: the k-th zero precision becomes `1 / (2^k · total)` (mteval-v13a).
    case exp

    /// sacrebleu's default value (floor 0.1, add-k 1); nil for methods that take none.
    public var defaultValue: Double? {
        switch self {
        case .floor: return 0.1
        case .addK: return 1
        case .none, .exp: return nil
        }
    }
}

/// Options with sacrebleu's defaults; no text normalization is ever applied here.
public struct ReferenceOptions: Sendable, Hashable {
    /// BLEU tokenizer (sacrebleu default `13a`; use `intl` for Arabic script).
    public var tokenize: BLEUTokenizer
    /// Case-insensitive scoring; nil means sacrebleu's default (BLEU/chrF: mixed case; TER: lowercased).
    public var lowercase: Bool?
    /// BLEU smoothing method (default `exp`).
    public var smoothMethod: BLEUSmoothing = .exp
    /// BLEU smoothing value for `floor` and `add-k`; nil means the method's default.
    public var smoothValue: Double?
    /// BLEU's highest n-gram order (default 4).
    public var maxNgramOrder: Int = 4
    /// BLEU effective order; nil means mizan's default: off for corpus scores, on for sentence scores.
    public var effectiveOrder: Bool?
    /// chrF character n-gram order; nil means 6.
    public var charOrder: Int?
    /// chrF word n-gram order; nil means 0 for `chrf`, 2 for `chrf++`.
    public var wordOrder: Int?
    /// chrF recall weight β (default 2).
    public var beta: Int = 2
    /// chrF keeps whitespace in character n-grams (default off).
    public var whitespace = false
    /// chrF epsilon smoothing (chrF++.py, NLTK, Moses) instead of effective-order averaging (default off).
    public var epsSmoothing = false
    /// TER: Tercom's normalization (punctuation split, XML entities; CJK split with `asianSupport`).
    public var normalized = false
    /// TER: remove punctuation (and CJK punctuation with `asianSupport`).
    public var noPunct = false
    /// TER: Asian (CJK) handling for `normalized` and `noPunct`.
    public var asianSupport = false
    /// The SentencePiece model of the `spm`/`flores101`/`flores200` tokenizers (a file the user provides).
    public var spmModel: SentencePieceModel?

    /// Options; defaults are sacrebleu's.
    public init(tokenize: BLEUTokenizer = .thirteenA, lowercase: Bool? = nil, spmModel: SentencePieceModel? = nil) {
        self.tokenize = tokenize
        self.lowercase = lowercase
        self.spmModel = spmModel
    }

    /// The signature's tokenizer field: `tok:13a`, or `tok:flores200|spm:<first 12 hex of the model's SHA-256>`.
    public var tokenizerSignature: String {
        var s = "tok:\(tokenize.signatureName)"
        if tokenize.usesSentencePiece, let m = spmModel { s += "|spm:\(m.shortHash)" }
        return s
    }

    /// Whether text is lowercased for `metric`.
    public func lowercases(_ metric: ReferenceMetricKind) -> Bool { lowercase ?? (metric == .ter) }

    /// The smoothing value in use (the given one or the method's default).
    public var resolvedSmoothValue: Double? { smoothValue ?? smoothMethod.defaultValue }

    /// Whether BLEU uses effective order for corpus (`sentence` false) or sentence scores.
    public func usesEffectiveOrder(sentence: Bool) -> Bool { effectiveOrder ?? sentence }

    /// sacrebleu's smoothing label: `exp`, `none`, `floor[0.10]`, `add-k[1.00]`.
    public var smoothingLabel: String {
        guard let v = resolvedSmoothValue else { return smoothMethod.rawValue }
        return smoothMethod.rawValue + "[" + String(format: "%.2f", v) + "]"
    }

    /// The chrF parameters for `metric` (`chrf` or `chrf++`).
    public func chrfConfig(_ metric: ReferenceMetricKind) -> CHRFConfig {
        CHRFConfig(charOrder: charOrder ?? 6, wordOrder: wordOrder ?? (metric == .chrfpp ? 2 : 0), beta: beta,
                   lowercase: lowercases(metric), whitespace: whitespace, epsSmoothing: epsSmoothing)
    }
}

/// An option of the reference metrics, as a suite's metric entry spells it (sacrebleu's API names).
public enum ReferenceOptionKey: String, Sendable, CaseIterable {
    /// BLEU tokenizer.
    case tokenize
    /// Case-insensitive scoring (TER: false means case-sensitive).
    case lowercase
    /// BLEU smoothing method.
    case smoothMethod = "smooth_method"
    /// BLEU smoothing value.
    case smoothValue = "smooth_value"
    /// BLEU's highest n-gram order.
    case maxNgramOrder = "max_ngram_order"
    /// BLEU effective order.
    case effectiveOrder = "effective_order"
    /// chrF character order.
    case charOrder = "char_order"
    /// chrF word order.
    case wordOrder = "word_order"
    /// chrF β.
    case beta
    /// chrF keeps whitespace.
    case whitespace
    /// chrF epsilon smoothing.
    case epsSmoothing = "eps_smoothing"
    /// TER normalization.
    case normalized
    /// TER punctuation removal.
    case noPunct = "no_punct"
    /// TER Asian support.
    case asianSupport = "asian_support"

    /// Whether `metric` takes this option.
    public func applies(to metric: ReferenceMetricKind) -> Bool {
        switch self {
        case .lowercase: return true
        case .tokenize, .smoothMethod, .smoothValue, .maxNgramOrder, .effectiveOrder: return metric == .bleu
        case .charOrder, .wordOrder, .beta, .whitespace, .epsSmoothing: return metric == .chrf || metric == .chrfpp
        case .normalized, .noPunct, .asianSupport: return metric == .ter
        }
    }

    /// The `mizan score` flag that sets this option.
    public var flag: CLIFlag {
        switch self {
        case .tokenize: return .tokenize
        case .lowercase: return .lowercase
        case .smoothMethod: return .smoothMethod
        case .smoothValue: return .smoothValue
        case .maxNgramOrder: return .maxNgramOrder
        case .effectiveOrder: return .effectiveOrder
        case .charOrder: return .chrfCharOrder
        case .wordOrder: return .chrfWordOrder
        case .beta: return .chrfBeta
        case .whitespace: return .chrfWhitespace
        case .epsSmoothing: return .chrfEpsSmoothing
        case .normalized: return .terNormalized
        case .noPunct: return .terNoPunct
        case .asianSupport: return .terAsianSupport
        }
    }
}

extension ReferenceOptions {
    /// Keys a reference metric's entry may carry besides its options (handled elsewhere).
    static let otherKeys: Set<String> = ["normalize", "spm_model"]

    /// Reads the options of `metric` from a suite entry's (or `mizan score`'s) key–value pairs, rejecting unknown
    /// keys, options of other metrics and bad values. `spelling` names a key in messages (the suite key, or a flag).
    public static func parse(_ metric: ReferenceMetricKind, _ options: [String: JSONValue],
                             spelling: (ReferenceOptionKey) -> String = { $0.rawValue }) throws -> ReferenceOptions {
        let name = metric.rawValue
        var o = ReferenceOptions()
        for raw in options.keys.sorted() where !otherKeys.contains(raw) {
            guard let key = ReferenceOptionKey(rawValue: raw), key.applies(to: metric) else {
                let accepted = ReferenceOptionKey.allCases.filter { $0.applies(to: metric) }.map(spelling)
                let what = ReferenceOptionKey(rawValue: raw).map { "does not take \(spelling($0))" } ?? "has no option '\(raw)'"
                throw MetricConfigError(field: raw, message: "metric '\(name)' \(what); it takes \(accepted.joined(separator: ", "))")
            }
            let value = options[raw]!
            let label = spelling(key)
            func bool() throws -> Bool {
                guard case .bool(let b) = value else {
                    throw MetricConfigError(field: raw, message: "metric '\(name)': \(label) must be true or false")
                }
                return b
            }
            func int(_ range: ClosedRange<Int>) throws -> Int {
                guard case .number(let d) = value, d.rounded() == d, d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
                    throw MetricConfigError(field: raw, message: "metric '\(name)': \(label) must be a whole number from "
                                            + "\(range.lowerBound) to \(range.upperBound)")
                }
                return Int(d)
            }
            switch key {
            case .tokenize:
                guard let s = value.stringValue, let tok = BLEUTokenizer(rawValue: s) else {
                    let names = BLEUTokenizer.allCases.map(\.rawValue).joined(separator: ", ")
                    throw MetricConfigError(field: raw, message: "metric 'bleu': \(label) must be one of \(names) (use intl for Arabic script)")
                }
                o.tokenize = tok
            case .lowercase: o.lowercase = try bool()
            case .smoothMethod:
                guard let s = value.stringValue, let m = BLEUSmoothing(rawValue: s) else {
                    throw MetricConfigError(field: raw, message: "metric 'bleu': \(label) must be one of none, floor, add-k, exp")
                }
                o.smoothMethod = m
            case .smoothValue:
                guard case .number(let d) = value, d.isFinite, d >= 0 else {
                    throw MetricConfigError(field: raw, message: "metric 'bleu': \(label) must be a number ≥ 0")
                }
                o.smoothValue = d
            case .maxNgramOrder: o.maxNgramOrder = try int(1...CHRFConfig.maxOrder)
            case .effectiveOrder: o.effectiveOrder = try bool()
            case .charOrder: o.charOrder = try int(0...CHRFConfig.maxOrder)
            case .wordOrder: o.wordOrder = try int(0...CHRFConfig.maxOrder)
            case .beta: o.beta = try int(0...100)
            case .whitespace: o.whitespace = try bool()
            case .epsSmoothing: o.epsSmoothing = try bool()
            case .normalized: o.normalized = try bool()
            case .noPunct: o.noPunct = try bool()
            case .asianSupport: o.asianSupport = try bool()
            }
        }
        if o.smoothValue != nil, o.smoothMethod.defaultValue == nil {
            throw MetricConfigError(field: ReferenceOptionKey.smoothValue.rawValue,
                                    message: "metric 'bleu': \(spelling(.smoothValue)) applies only to smoothing floor or add-k, "
                                        + "not \(o.smoothMethod.rawValue); set \(spelling(.smoothMethod)) or drop the value")
        }
        if metric == .chrf || metric == .chrfpp {
            let c = o.chrfConfig(metric)
            if c.order == 0 || c.order > CHRFConfig.maxOrder {
                throw MetricConfigError(field: ReferenceOptionKey.charOrder.rawValue,
                                        message: "metric '\(name)': \(spelling(.charOrder)) + \(spelling(.wordOrder)) must be "
                                            + "from 1 to \(CHRFConfig.maxOrder)")
            }
        }
        return o
    }

    /// The options that differ from the defaults, as ` key:value` words for a metric's version string
    /// (empty for default options, so versions recorded before these options existed stay the same).
    func versionSuffix(_ metric: ReferenceMetricKind) -> String {
        var v = ""
        switch metric {
        case .bleu:
            if smoothMethod != .exp || smoothValue != nil { v += " smooth:\(smoothingLabel)" }
            if maxNgramOrder != 4 { v += " order:\(maxNgramOrder)" }
            if let e = effectiveOrder { v += " eff:\(e)" }
        case .chrf, .chrfpp:
            if let c = charOrder { v += " nc:\(c)" }
            if let w = wordOrder { v += " nw:\(w)" }
            if beta != 2 { v += " beta:\(beta)" }
            if whitespace { v += " space:yes" }
            if epsSmoothing { v += " eps:yes" }
        case .ter:
            if normalized { v += " norm:yes" }
            if noPunct { v += " punct:no" }
            if asianSupport { v += " asian:yes" }
        }
        return v
    }
}
