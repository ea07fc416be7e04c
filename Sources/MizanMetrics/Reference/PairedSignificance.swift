import Foundation

// Paired significance of corpus BLEU, chrF and TER between systems, as sacrebleu 2.6.0's `--paired-bs` and
// `--paired-ar` (sacrebleu/significance.py): the same resamples (numpy's default_rng through `NumpyGenerator`), the
// same statistics and the same p-values. Per-segment sufficient statistics are resampled and the corpus score is
// recomputed from their sums, so the test is on the corpus metric, not on an average of sentence scores.

/// Which paired test.
public enum PairedTestKind: String, Sendable, Hashable, CaseIterable {
    /// Paired bootstrap resampling (sacrebleu `--paired-bs`, Koehn 2004): mean, 95% CI and p-value.
    case bootstrap = "bs"
    /// Paired approximate randomization (sacrebleu `--paired-ar`, Riezler & Maxwell 2005): p-value.
    case approximateRandomization = "ar"

    /// sacrebleu's default number of resamples (bs 1000) or trials (ar 10000).
    public var defaultSamples: Int { self == .bootstrap ? 1000 : 10000 }
}

/// One system's result (sacrebleu's `Result`): the actual corpus score and, against the baseline, the p-value;
/// with bootstrap, the bootstrap mean and the half-width of the 95% interval.
public struct PairedResult: Sendable, Hashable {
    /// The corpus score of the system on the full test set.
    public var score: Double
    /// The p-value against the baseline (nil for the baseline itself).
    public var pValue: Double?
    /// The bootstrap estimate of the true mean (bootstrap only).
    public var mean: Double?
    /// Half the width of the 95% bootstrap interval: the interval is mean ± ci (bootstrap only).
    public var ci: Double?
}

/// Corpus-level paired tests over per-segment sufficient statistics.
public enum PairedSignificance {
    /// sacrebleu's default seed (its `SACREBLEU_SEED`).
    public static let defaultSeed: UInt64 = 12345

    /// Per-segment sufficient statistics in sacrebleu's order (BLEU: hyp_len, ref_len, correct 1–4, total 1–4;
    /// chrF: hyp, ref, match per n-gram order; TER: edits, reference length).
    /// `referencesArePieces`: BLEU with a SentencePiece tokenizer, references already encoded (`referencePieces`).
    public static func segmentStatistics(metric: ReferenceMetricKind, hypotheses: [String], segmentReferences: [[String]],
                                         options: ReferenceOptions, referencesArePieces: Bool = false) -> [[Double]] {
        let lower = options.lowercases(metric)
        switch metric {
        case .bleu:
            return ReferenceScoring.parallelStats(
                hypotheses, segmentReferences,
                make: { BLEUWorker(options: options) },
                body: { w, h, r in
                    let s = w.stats(hypothesis: h, references: r, referencesArePieces: referencesArePieces)
                    return [Double(s.sysLen), Double(s.refLen)] + s.correct.map(Double.init) + s.total.map(Double.init)
                })
        case .chrf, .chrfpp:
            let config = options.chrfConfig(metric)
            return ReferenceScoring.parallelStats(hypotheses, segmentReferences, make: { CHRFWorker(config: config) },
                                                  body: { $0.stats(hypothesis: $1, references: $2).map(Double.init) })
        case .ter:
            return ReferenceScoring.parallelStats(hypotheses, segmentReferences, make: { TERWorker(options: TercomOptions(options, lowercase: lower)) },
                                                  body: { w, h, r in
                                                      let s = w.stats(hypothesis: h, references: r)
                                                      return [Double(s.edits), s.refLength]
                                                  })
        }
    }

    /// The corpus score from summed statistics (sacrebleu's `_compute_score_from_stats`).
    public static func score(metric: ReferenceMetricKind, statistics s: [Double], options: ReferenceOptions) -> Double {
        switch metric {
        case .bleu:
            let order = (s.count - 2) / 2
            var st = BLEUStats(maxOrder: order)
            st.sysLen = Int(s[0])
            st.refLen = Int(s[1])
            st.correct = (0..<order).map { Int(s[2 + $0]) }
            st.total = (0..<order).map { Int(s[2 + order + $0]) }
            return BLEU.compute(st, effectiveOrder: options.usesEffectiveOrder(sentence: false), smooth: options.smoothMethod,
                                smoothValue: options.smoothValue).score
        case .chrf, .chrfpp:
            return CHRF.fScore(s.map { Int($0) }, config: options.chrfConfig(metric))
        case .ter:
            return TERStats(edits: Int(s[0]), refLength: s[1]).score
        }
    }

    /// Runs sacrebleu's paired test: `systems[0]` is the baseline; one result per system, in order.
    /// `samples` nil means sacrebleu's default (bs 1000 resamples, ar 10000 trials).
    public static func test(_ kind: PairedTestKind, metric: ReferenceMetricKind, systems: [[String]], segmentReferences: [[String]],
                            options: ReferenceOptions, samples: Int? = nil, seed: UInt64 = defaultSeed) -> [PairedResult] {
        let n = segmentReferences.count
        let trials = samples ?? kind.defaultSamples
        // With a SentencePiece tokenizer, encoding dominates: the references are encoded once for all systems.
        let shareable = metric == .bleu && options.tokenize.usesSentencePiece && options.spmModel != nil && systems.count > 1
        let refs = shareable ? referencePieces(segmentReferences, options: options) : segmentReferences
        let stats = systems.map {
            segmentStatistics(metric: metric, hypotheses: $0, segmentReferences: refs, options: options, referencesArePieces: shareable)
        }
        let width = stats.first?.first?.count ?? 0
        let actual = stats.map { score(metric: metric, statistics: columnSums($0, width: width), options: options) }
        guard n > 0, !systems.isEmpty else { return [] }
        switch kind {
        case .bootstrap:
            var rng = NumpyGenerator(seed: seed)
            let idxs = rng.choice(n, count: trials * n)
            if metric == .bleu {
                let resampled = stats.map { bootstrapScores($0, idxs: idxs, trials: trials) { bleuScoreFloat32($0, options: options) } }
                return bootstrapResults(resampled, actual: actual)
            }
            // chrF and TER compute in float32 from float32 sums (numpy keeps the dtype), so their bootstrap scores,
            // means and intervals are float32 values, as sacrebleu's are
            let config = options.chrfConfig(metric)
            let resampled = stats.map {
                bootstrapScores($0, idxs: idxs, trials: trials) { metric == .ter ? terScoreFloat32($0) : chrfScoreFloat32($0, config: config) }
            }
            return bootstrapResults(resampled, actual: actual)
        case .approximateRandomization:
            var out = [PairedResult(score: actual[0])]
            for k in 1..<systems.count {
                // each system's test starts a fresh generator from the seed, as sacrebleu's _paired_ar_test does
                var rng = NumpyGenerator(seed: seed)
                let select = rng.booleanWords(count: trials * n)
                let delta = abs(actual[0] - actual[k])
                let c = approximateRandomizationCount(baseline: stats[0], system: stats[k], select: select, trials: trials) { a, b in
                    abs(score(metric: metric, statistics: a, options: options) - score(metric: metric, statistics: b, options: options)) > delta
                }
                out.append(PairedResult(score: actual[k], pValue: Double(c + 1) / Double(trials + 1)))
            }
            return out
        }
    }

    /// Every reference as BLEU's SentencePiece pieces (lowercased first if the options say so), in parallel.
    static func referencePieces(_ segmentReferences: [[String]], options: ReferenceOptions) -> [[String]] {
        return ReferenceScoring.parallelStats(
            segmentReferences.map { _ in "" }, segmentReferences,
            make: { BLEUWorker(options: options) },
            body: { w, _, r in r.map { w.pieces($0) } })
    }

    /// Approximate randomization's count of trials where the swapped corpora differ more than the actual systems:
    /// in trial t, segment i's statistics are swapped when bit t × n + i of `select` is set (A takes the baseline's
    /// statistics there, B the system's). The per-trial sums run over the set bits only, in segment order, on flat
    /// rows of baseline − system differences (adding the unselected rows' zero would not change a sum).
    static func approximateRandomizationCount(baseline bl: [[Double]], system sys: [[Double]], select: [UInt32], trials: Int,
                                              differ: @escaping @Sendable ([Double], [Double]) -> Bool) -> Int {
        let n = bl.count
        let width = bl.first?.count ?? 0
        let blTotal = columnSums(bl, width: width), sysTotal = columnSums(sys, width: width)
        var flat = [Double](repeating: 0, count: n * width)
        for i in 0..<n { for j in 0..<width { flat[i * width + j] = bl[i][j] - sys[i][j] } }
        let diffs = flat, bits = select
        let counts = ReferenceScoring.parallelMap(trials) { t -> Int in
            var moved = [Double](repeating: 0, count: width)
            diffs.withUnsafeBufferPointer { d in
                bits.withUnsafeBufferPointer { words in
                    moved.withUnsafeMutableBufferPointer { m in
                        let first = t * n
                        var i = 0
                        while i < n {
                            // the next up-to-32 selection bits of this trial, from one or two words
                            let k = first + i
                            let shift = k & 31
                            var chunk = UInt64(words[k >> 5]) >> UInt64(shift)
                            if shift != 0, (k >> 5) + 1 < words.count { chunk |= UInt64(words[(k >> 5) + 1]) << UInt64(32 - shift) }
                            let take = min(32, n - i)
                            chunk &= (UInt64(1) << UInt64(take)) &- 1
                            while chunk != 0 {
                                let row = (i + chunk.trailingZeroBitCount) * width
                                for j in 0..<width { m[j] += d[row + j] }
                                chunk &= chunk &- 1
                            }
                            i += take
                        }
                    }
                }
            }
            var a = sysTotal, b = blTotal
            for j in 0..<width {
                a[j] += moved[j]
                b[j] -= moved[j]
            }
            return differ(a, b) ? 1 : 0
        }
        return counts.reduce(0, +)
    }

    /// Column sums of per-segment statistics.
    static func columnSums(_ rows: [[Double]], width: Int) -> [Double] {
        var total = [Double](repeating: 0, count: width)
        for r in rows { for j in 0..<width { total[j] += r[j] } }
        return total
    }

    /// The score of every bootstrap resample: statistics as float32, summed in float32 (numpy's `stats_np[idxs].sum(0)`).
    static func bootstrapScores<F: BinaryFloatingPoint & Sendable>(_ stats: [[Double]], idxs: [Int32], trials: Int,
                                                                   score: @escaping @Sendable ([Float]) -> F) -> [F] {
        let n = stats.count
        let width = stats.first?.count ?? 0
        var flat = [Float](repeating: 0, count: n * width)
        for i in 0..<n { for j in 0..<width { flat[i * width + j] = Float(stats[i][j]) } }
        let f32 = flat
        return ReferenceScoring.parallelMap(trials) { t -> F in
            var sum = [Float](repeating: 0, count: width)
            f32.withUnsafeBufferPointer { rows in
                idxs.withUnsafeBufferPointer { picks in
                    sum.withUnsafeMutableBufferPointer { s in
                        for i in 0..<n {
                            let row = Int(picks[t * n + i]) * width
                            for j in 0..<width { s[j] += rows[row + j] }
                        }
                    }
                }
            }
            return score(sum)
        }
    }

    /// `_paired_bs_test`'s statistics over resampled scores (index 0 the baseline) in the scores' own precision.
    static func bootstrapResults<F: BinaryFloatingPoint>(_ resampled: [[F]], actual: [Double]) -> [PairedResult] {
        let trials = resampled[0].count
        let (blMean, blCI) = estimateCI(resampled[0])
        var out = [PairedResult(score: actual[0], mean: Double(blMean), ci: Double(blCI))]
        for k in 1..<resampled.count {
            let (mean, ci) = estimateCI(resampled[k])
            let diffs = (0..<trials).map { abs(resampled[k][$0] - resampled[0][$0]) }
            let diffMean = NumpySum.pairwise(diffs) / F(trials)
            let delta = F(abs(actual[0] - actual[k]))
            let c = diffs.reduce(0) { $0 + ($1 - diffMean > delta ? 1 : 0) }
            out.append(PairedResult(score: actual[k], pValue: Double(c + 1) / Double(trials + 1), mean: Double(mean), ci: Double(ci)))
        }
        return out
    }

    /// BLEU from float32 sums as sacrebleu computes it there (`compute_bleu` on a slice of a float32 array, NumPy 2's
    /// promotion: a Python float meeting a float32 becomes float32): precisions in float32, logarithms and the rest in
    /// float64; add-k adds k to the float32 counts, floor divides float32(100 × value) by the total.
    static func bleuScoreFloat32(_ s: [Float], options: ReferenceOptions) -> Double {
        let order = (s.count - 2) / 2
        let sysLen = Int(s[0]), refLen = Int(s[1])
        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? Foundation.exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        guard (2..<(2 + order)).contains(where: { s[$0] != 0 }) else { return 0 }
        let smooth = options.smoothMethod
        let value = options.resolvedSmoothValue ?? 0
        var precisions = [Double](repeating: 0, count: order)
        var smoothMteval = 1.0
        var effOrder = order
        for n in 0..<order {
            var correct = s[2 + n], total = s[2 + order + n]
            if smooth == .addK && n > 0 {
                correct += Float(value)
                total += Float(value)
            }
            if total == 0 { break }
            if options.usesEffectiveOrder(sentence: false) { effOrder = n + 1 }
            if correct == 0 {
                if smooth == .exp {
                    smoothMteval *= 2
                    precisions[n] = Double(Float(100) / (Float(smoothMteval) * total))
                } else if smooth == .floor {
                    precisions[n] = Double(Float(100 * value) / total)
                }
            } else {
                precisions[n] = Double(Float(100) * correct / total)
            }
        }
        var sum = 0.0
        for p in precisions[0..<effOrder] { sum += BLEU.myLog(p) }
        return bp * Foundation.exp(sum / Double(effOrder))
    }

    /// chrF from float32 sums as sacrebleu's `_compute_f_score` computes it on a float32 array: float32 arithmetic
    /// wherever a float32 count takes part; with `eps_smoothing`, an order with no hypothesis or reference n-grams
    /// contributes Python's float 1e-16 (float64 until it meets a float32), as `EpsValue` follows.
    static func chrfScoreFloat32(_ s: [Float], config: CHRFConfig) -> Float {
        let factor = Float(config.beta * config.beta)
        if config.epsSmoothing {
            let eps = EpsValue.python(1e-16)
            var score = EpsValue.python(0)
            let f = EpsValue.python(Double(config.beta * config.beta))
            for i in 0..<config.order {
                let nHyp = s[3 * i], nRef = s[3 * i + 1], nMatch = s[3 * i + 2]
                let prec = nHyp > 0 ? EpsValue.float(nMatch / nHyp) : eps
                let rec = nRef > 0 ? EpsValue.float(nMatch / nRef) : eps
                let denom = f * prec + rec
                score = score + (denom.value > 0 ? (EpsValue.python(1) + f) * prec * rec / denom : eps)
            }
            return (EpsValue.python(100) * score / EpsValue.python(Double(config.order))).float32
        }
        var avgPrec: Float = 0, avgRec: Float = 0
        var effective = 0
        for i in 0..<config.order {
            let nHyp = s[3 * i], nRef = s[3 * i + 1], nMatch = s[3 * i + 2]
            if nHyp > 0 && nRef > 0 {
                avgPrec += nMatch / nHyp
                avgRec += nMatch / nRef
                effective += 1
            }
        }
        if effective > 0 {
            avgPrec /= Float(effective)
            avgRec /= Float(effective)
        }
        guard avgPrec + avgRec != 0 else { return 0 }
        var score = (1 + factor) * avgPrec * avgRec
        score /= factor * avgPrec + avgRec
        return 100 * score
    }

    /// TER from float32 sums, in float32.
    static func terScoreFloat32(_ s: [Float]) -> Float {
        if s[1] > 0 { return 100 * (s[0] / s[1]) }
        return s[0] > 0 ? 100 : 0
    }

    /// sacrebleu's `estimate_ci`: the mean of the resampled scores and half the width of the interval between the
    /// sorted scores at n/40 and n − n/40 − 1.
    public static func estimateCI<F: BinaryFloatingPoint>(_ scores: [F]) -> (mean: F, ci: F) {
        let sorted = scores.sorted()
        let n = sorted.count
        guard n > 0 else { return (0, 0) }
        let lower = n / 40
        let upper = n - lower - 1
        return (NumpySum.pairwise(sorted) / F(n), F(0.5) * (sorted[upper] - sorted[lower]))
    }
}
