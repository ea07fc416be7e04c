import MizanCore
import MizanText

/// `bleu`, `chrf`, `chrf++` and `ter` as suite metrics: sacrebleu 2.6.0 scores (0–100) on normalized text.
///
/// Options (sacrebleu's API names; `ReferenceOptionKey`): BLEU `tokenize` (`13a` default, `intl` recommended for
/// Arabic script, `char`, `none`, and the SentencePiece tokenizers `spm`, `flores101`, `flores200` with
/// `spm_model: PATH`, relative to the suite folder), `smooth_method`, `smooth_value`, `max_ngram_order`,
/// `effective_order`; chrF `char_order`, `word_order`, `beta`, `whitespace`, `eps_smoothing`; TER `normalized`,
/// `no_punct`, `asian_support`; all: `lowercase` (bool; default sacrebleu's: BLEU/chrF case-sensitive, TER
/// case-insensitive) and `normalize` (`none`, `l0` default, `l1`), applied to output and references before scoring.
public struct ReferenceMetric: CorpusMetric {
    /// Which metric.
    public let kind: ReferenceMetricKind
    /// sacrebleu options.
    public let options: ReferenceOptions
    /// Normalization applied before scoring (default l0).
    public let level: NormalizationLevel

    /// Builds the metric from a suite's `MetricSpec`; `context` resolves a relative `spm_model` path.
    public init(kind: ReferenceMetricKind, spec: MetricSpec, context: MetricContext = MetricContext()) throws {
        self.kind = kind
        level = try spec.normalizationLevel(default: .l0)
        var opts = try ReferenceOptions.parse(kind, spec.options)
        if let raw = spec.options["spm_model"] {
            guard opts.tokenize.usesSentencePiece, let path = raw.stringValue, !path.isEmpty else {
                throw MetricConfigError(field: "spm_model",
                                        message: "metric '\(spec.name)': spm_model is the path of a SentencePiece model file and goes with tokenize: spm, flores101 or flores200")
            }
            do {
                opts.spmModel = try SentencePieceModel(path: context.resolve(path: path))
            } catch let e as ReferenceScoringError {
                throw MetricConfigError(field: "spm_model", message: "metric '\(spec.name)': \(e.message)")
            }
        } else if opts.tokenize.usesSentencePiece {
            throw MetricConfigError(field: "spm_model", message: "metric '\(spec.name)': "
                + opts.tokenize.missingModelMessage(how: "set spm_model: PATH (relative to the suite folder) in the metric's options"))
        }
        options = opts
    }

    /// Builds the metric directly.
    public init(kind: ReferenceMetricKind, options: ReferenceOptions = ReferenceOptions(), level: NormalizationLevel = .l0) {
        self.kind = kind
        self.options = options
        self.level = level
    }

    /// The suite name: `bleu`, `chrf`, `chrf++` or `ter`.
    public var name: String { kind.rawValue }

    /// e.g. `bleu/1 sacrebleu:2.6.0 tok:intl normalize:l0`; options that differ from sacrebleu's defaults
    /// follow the tokenizer and case (`smooth:floor[0.10] order:6`, `nc:4 nw:1 beta:3 space:yes eps:yes`,
    /// `norm:yes punct:no asian:yes`), so scores made with other options never compare as equal.
    public var version: String {
        var v = "\(kind.rawValue)/1 sacrebleu:\(ReferenceScoring.sacrebleuVersion)"
        if kind == .bleu {
            v += " tok:\(options.tokenize.rawValue)"
            if let m = options.spmModel, options.tokenize.usesSentencePiece { v += " spm:\(m.shortHash)" }
        }
        if let lc = options.lowercase { v += " lowercase:\(lc)" }
        return v + options.versionSuffix(kind) + " normalize:\(level.rawValue)"
    }

    /// The corpus signature for one reference per item; see `signature(for:)` for the exact count.
    public var signature: String { ReferenceScoring.signature(metric: kind, nrefs: "1", options: options) }

    /// The corpus signature with sacrebleu's `nrefs` for these items (`var` when counts differ).
    public func signature(for inputs: [MetricInput]) -> String {
        ReferenceScoring.signature(metric: kind, nrefs: ReferenceScoring.nrefsLabel(inputs.map(\.references)), options: options)
    }

    /// Sentence-level score of one item (sentence BLEU uses effective order).
    public func score(_ input: MetricInput) async throws -> MetricResult {
        guard !input.references.isEmpty else {
            return MetricResult(value: nil, error: "item \(input.itemID): \(kind.rawValue) needs at least one reference")
        }
        let n = Normalizers.make(level, for: input.language)
        let hyp = n.normalize(input.output)
        let refs = input.references.map { n.normalize($0) }
        let value = ReferenceScoring.sentences(metric: kind, hypotheses: [hyp], segmentReferences: [refs], options: options)[0]
        return MetricResult(value: value, details: ["normalizer": .string(n.version)])
    }

    /// Corpus-level score over the items that have references; nil when none has.
    public func corpusScore(_ inputs: [MetricInput]) -> Double? {
        let usable = inputs.filter { !$0.references.isEmpty }
        guard !usable.isEmpty else { return nil }
        var hyps: [String] = []
        var refs: [[String]] = []
        hyps.reserveCapacity(usable.count)
        refs.reserveCapacity(usable.count)
        for input in usable {
            let n = Normalizers.make(level, for: input.language)
            hyps.append(n.normalize(input.output))
            refs.append(input.references.map { n.normalize($0) })
        }
        return ReferenceScoring.corpus(metric: kind, hypotheses: hyps, segmentReferences: refs, options: options).score
    }
}

extension ReferenceMetric {
    /// sacrebleu's paired bootstrap of this corpus metric (1000 resamples, seed 12345): `baseline` and `system` are
    /// the same items in the same order (the baseline's references are used). Results: baseline first, then the
    /// system with its p-value; nil when no item has references.
    public func pairedBootstrap(baseline: [MetricInput], system: [MetricInput], samples: Int? = nil,
                                seed: UInt64 = PairedSignificance.defaultSeed) -> [PairedResult]? {
        var a: [String] = [], b: [String] = [], refs: [[String]] = []
        for (x, y) in zip(baseline, system) where !x.references.isEmpty {
            let n = Normalizers.make(level, for: x.language)
            a.append(n.normalize(x.output))
            b.append(n.normalize(y.output))
            refs.append(x.references.map { n.normalize($0) })
        }
        guard !refs.isEmpty else { return nil }
        return PairedSignificance.test(.bootstrap, metric: kind, systems: [a, b], segmentReferences: refs, options: options,
                                       samples: samples, seed: seed)
    }
}
