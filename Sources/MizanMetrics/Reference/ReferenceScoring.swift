import Dispatch
import Foundation

/// The reference-based MT metrics at sacrebleu 2.6.0 parity.
public enum ReferenceMetricKind: String, Sendable, CaseIterable, Codable {
    /// BLEU (sacrebleu `BLEU`; default smooth `exp`, max order 4).
    case bleu
    /// chrF (default char order 6, word order 0, beta 2).
    case chrf
    /// chrF++ (default char order 6, word order 2, beta 2).
    case chrfpp = "chrf++"
    /// TER with shifts (sacrebleu `TER`).
    case ter
}

/// A corpus-level result.
public struct ReferenceCorpusScore: Sendable, Hashable {
    /// sacrebleu's score name: `BLEU`, `chrF2`, `chrF2++`, `TER`.
    public var name: String
    /// The score on sacrebleu's 0–100 scale.
    public var score: Double
    /// sacrebleu signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`.
    public var signature: String
    /// sacrebleu's verbose tail (BLEU only), e.g. `62.9/38.5/26.6/18.7 (BP = 0.975 …)`.
    public var verbose: String
    /// BLEU's statistics and precisions (BLEU only).
    public var bleu: BLEUResult? = nil

    /// sacrebleu's text line: `BLEU|<signature> = 31.9 <verbose>` with `width` decimals.
    public func formatted(width: Int = 1) -> String {
        var line = "\(name)|\(signature) = " + String(format: "%.\(width)f", score)
        if !verbose.isEmpty { line += " " + verbose }
        return line
    }
}

/// Input problems for reference scoring.
public struct ReferenceScoringError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What is wrong and what to do.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Raw sacrebleu semantics (no normalization): corpus and sentence scores with signatures.
public enum ReferenceScoring {
    /// The sacrebleu version these implementations match.
    public static let sacrebleuVersion = "2.6.0"

    /// Corpus score. `references[k][i]` is the k-th reference of segment i (sacrebleu's order: one array per reference set).
    public static func corpus(metric: ReferenceMetricKind, hypotheses: [String], references: [[String]],
                              options: ReferenceOptions = ReferenceOptions()) throws -> ReferenceCorpusScore {
        let segRefs = try transpose(hypotheses.count, references)
        return corpus(metric: metric, hypotheses: hypotheses, segmentReferences: segRefs, options: options)
    }

    /// One score per segment (sentence BLEU uses effective order, like sacrebleu's `sentence_bleu`).
    public static func sentences(metric: ReferenceMetricKind, hypotheses: [String], references: [[String]],
                                 options: ReferenceOptions = ReferenceOptions()) throws -> [Double] {
        let segRefs = try transpose(hypotheses.count, references)
        return sentences(metric: metric, hypotheses: hypotheses, segmentReferences: segRefs, options: options)
    }

    /// Corpus score with references given per segment (`segmentReferences[i]` = all references of segment i; counts may vary).
    public static func corpus(metric: ReferenceMetricKind, hypotheses: [String], segmentReferences: [[String]],
                              options: ReferenceOptions = ReferenceOptions()) -> ReferenceCorpusScore {
        let sig = signature(metric: metric, nrefs: nrefsLabel(segmentReferences), options: options, sentence: false)
        let lower = options.lowercases(metric)
        switch metric {
        case .bleu:
            let r = bleuCorpus(hypotheses, segmentReferences, options: options)
            return ReferenceCorpusScore(name: "BLEU", score: r.score, signature: sig, verbose: r.verbose, bleu: r)
        case .chrf, .chrfpp:
            let config = options.chrfConfig(metric)
            let all = parallelStats(hypotheses, segmentReferences, make: { CHRFWorker(config: config) },
                                    body: { $0.stats(hypothesis: $1, references: $2) })
            var total = [Int](repeating: 0, count: 3 * config.order)
            for s in all { for (k, v) in s.enumerated() { total[k] += v } }
            return ReferenceCorpusScore(name: config.displayName, score: CHRF.fScore(total, config: config),
                                        signature: sig, verbose: "")
        case .ter:
            let all = parallelStats(hypotheses, segmentReferences, make: { TERWorker(options: TercomOptions(options, lowercase: lower)) },
                                    body: { $0.stats(hypothesis: $1, references: $2) })
            var edits = 0
            var refLength = 0.0
            for s in all {
                edits += s.edits
                refLength += s.refLength
            }
            return ReferenceCorpusScore(name: "TER", score: TERStats(edits: edits, refLength: refLength).score,
                                        signature: sig, verbose: "")
        }
    }

    /// One score per segment with references given per segment.
    public static func sentences(metric: ReferenceMetricKind, hypotheses: [String], segmentReferences: [[String]],
                                 options: ReferenceOptions = ReferenceOptions()) -> [Double] {
        let lower = options.lowercases(metric)
        switch metric {
        case .bleu:
            let eff = options.usesEffectiveOrder(sentence: true)
            return parallelStats(hypotheses, segmentReferences,
                                 make: { BLEUWorker(options: options) },
                                 body: { BLEU.compute($0.stats(hypothesis: $1, references: $2), effectiveOrder: eff,
                                                      smooth: options.smoothMethod, smoothValue: options.smoothValue).score })
        case .chrf, .chrfpp:
            let config = options.chrfConfig(metric)
            return parallelStats(hypotheses, segmentReferences, make: { CHRFWorker(config: config) },
                                 body: { CHRF.fScore($0.stats(hypothesis: $1, references: $2), config: config) })
        case .ter:
            return parallelStats(hypotheses, segmentReferences, make: { TERWorker(options: TercomOptions(options, lowercase: lower)) },
                                 body: { $0.stats(hypothesis: $1, references: $2).score })
        }
    }

    /// sacrebleu's signature string (`sentence` selects sentence BLEU's default `eff:yes`).
    public static func signature(metric: ReferenceMetricKind, nrefs: String, options: ReferenceOptions = ReferenceOptions(),
                                 sentence: Bool = false) -> String {
        let lower = options.lowercases(metric)
        let v = "version:\(sacrebleuVersion)"
        func yn(_ b: Bool) -> String { b ? "yes" : "no" }
        switch metric {
        case .bleu:
            return "nrefs:\(nrefs)|case:\(lower ? "lc" : "mixed")|eff:\(yn(options.usesEffectiveOrder(sentence: sentence)))"
                + "|\(options.tokenizerSignature)|smooth:\(options.smoothingLabel)|\(v)"
        case .chrf, .chrfpp:
            let config = options.chrfConfig(metric)
            return "nrefs:\(nrefs)|case:\(lower ? "lc" : "mixed")|eff:\(yn(!config.epsSmoothing))|nc:\(config.charOrder)"
                + "|nw:\(config.wordOrder)|space:\(yn(config.whitespace))|\(v)"
        case .ter:
            return "nrefs:\(nrefs)|case:\(lower ? "lc" : "mixed")|tok:tercom|norm:\(yn(options.normalized))"
                + "|punct:\(yn(!options.noPunct))|asian:\(yn(options.asianSupport))|\(v)"
        }
    }

    /// Corpus BLEU with its statistics (sacrebleu `corpus_score` of `BLEU`).
    public static func bleuCorpus(_ hypotheses: [String], _ segmentReferences: [[String]],
                                  options: ReferenceOptions = ReferenceOptions()) -> BLEUResult {
        let all = parallelStats(hypotheses, segmentReferences,
                                make: { BLEUWorker(options: options) },
                                body: { $0.stats(hypothesis: $1, references: $2) })
        var total = BLEUStats(maxOrder: options.maxNgramOrder)
        for s in all { total.add(s) }
        return BLEU.compute(total, effectiveOrder: options.usesEffectiveOrder(sentence: false),
                            smooth: options.smoothMethod, smoothValue: options.smoothValue)
    }

    /// sacrebleu's `nrefs` value: the common reference count, or `var` when it varies.
    public static func nrefsLabel(_ segmentReferences: [[String]]) -> String {
        let counts = Set(segmentReferences.map(\.count))
        return counts.count == 1 ? String(counts.first!) : (counts.isEmpty ? "0" : "var")
    }

    /// Reference sets (one array per set) → references per segment; every set must match the hypotheses.
    static func transpose(_ n: Int, _ references: [[String]]) throws -> [[String]] {
        guard !references.isEmpty else { throw ReferenceScoringError("no references given; pass at least one reference set") }
        for (k, set) in references.enumerated() where set.count != n {
            throw ReferenceScoringError("reference set \(k + 1) has \(set.count) segments but there are \(n) hypotheses")
        }
        return (0..<n).map { i in references.map { $0[i] } }
    }

    /// Computes per-segment results in parallel (one worker per chunk; deterministic: results are stored by index).
    static func parallelStats<W: ~Copyable, T: Sendable>(_ hyps: [String], _ refs: [[String]], make: @escaping @Sendable () -> W,
                                                         body: @escaping @Sendable (inout W, String, [String]) -> T) -> [T] {
        let n = hyps.count
        if n == 0 { return [] }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunks = n < 64 || cores < 2 ? 1 : min(n / 16, cores * 8)
        if chunks == 1 {
            var w = make()
            var out: [T] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(body(&w, hyps[i], refs[i])) }
            return out
        }
        let out = UnsafeMutablePointer<T>.allocate(capacity: n)
        defer { out.deinitialize(count: n); out.deallocate() }
        let box = UncheckedBox(out)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * n / chunks, hi = (c + 1) * n / chunks
            var w = make()
            for i in lo..<hi { (box.value + i).initialize(to: body(&w, hyps[i], refs[i])) }
        }
        return Array(UnsafeBufferPointer(start: out, count: n))
    }
}

extension ReferenceScoring {
    /// `(0..<n).map(f)` computed in parallel chunks for large `n` (results in index order).
    static func parallelMap<T: Sendable>(_ n: Int, _ f: @escaping @Sendable (Int) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if n < 2048 || cores < 2 { return (0..<n).map(f) }
        let chunks = cores * 4
        let out = UnsafeMutablePointer<T>.allocate(capacity: n)
        defer { out.deinitialize(count: n); out.deallocate() }
        let box = UncheckedBox(out)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in (c * n / chunks)..<((c + 1) * n / chunks) { (box.value + i).initialize(to: f(i)) }
        }
        return Array(UnsafeBufferPointer(start: out, count: n))
    }
}

/// Carries the output buffer into `concurrentPerform`; each chunk writes a disjoint index range.
struct UncheckedBox<T>: @unchecked Sendable {
    // @unchecked Sendable: the workers write disjoint index ranges of the buffer and the caller reads it after they all end.
    let value: T
    init(_ value: T) { self.value = value }
}
