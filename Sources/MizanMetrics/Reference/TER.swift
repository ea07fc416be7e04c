// TER as in sacrebleu 2.6.0 metrics/ter.py + lib_ter.py: greedy shifts (Tercom heuristics, same
// limits and candidate ranking) followed by the beam edit distance. Tokenization is sacrebleu's
// TercomTokenizer (TercomTokenizer.swift): by default no normalization, punctuation kept,
// case-insensitive (`case:lc`).

/// TER's per-segment (or corpus) statistics: edits and the average reference length.
public struct TERStats: Sendable, Hashable {
    /// Minimum number of edits over the references.
    public var edits: Int = 0
    /// Average reference length in words (a float, as in sacrebleu).
    public var refLength: Double = 0

    /// sacrebleu `_compute_score_from_stats`: 100 × edits / reference length (1.0 when only the reference is empty).
    public var score: Double {
        let s: Double
        if refLength > 0 {
            s = Double(edits) / refLength
        } else if edits > 0 {
            s = 1.0
        } else {
            s = 0.0
        }
        return 100 * s
    }
}

/// Per-thread machinery that turns (hypothesis, references) into `TERStats`.
struct TERWorker: ~Copyable {
    let options: TercomOptions
    private var words = WordTable()
    private var raw = ScalarBuffer()
    private var low = ScalarBuffer()
    private var cache = TextCache()

    init(options: TercomOptions) { self.options = options }

    /// TercomTokenizer then `split()`, as word ids.
    private mutating func wordIDs(_ text: String) -> [UInt32] {
        raw.load(text)
        if options.lowercase {
            cache.lower(raw, into: &low)
            swap(&raw, &low)
        }
        if options.rewrites {
            let rewritten = TercomText.rewrite(Array(UnsafeBufferPointer(start: raw.base, count: raw.count)), options)
            raw.removeAll()
            for v in rewritten { raw.append(v) }
        }
        var ids: [UInt32] = []
        let p = raw.base, c = raw.count
        var i = 0
        while i < c {
            while i < c && PyText.isSpace(p[i]) { i += 1 }
            if i >= c { break }
            let start = i
            while i < c && !PyText.isSpace(p[i]) { i += 1 }
            ids.append(words.id(p, start, i))
        }
        return ids
    }

    /// sacrebleu `TER._compute_segment_statistics`.
    mutating func stats(hypothesis: String, references: [String]) -> TERStats {
        words.reset()
        let hyp = wordIDs(hypothesis)
        var refLengths = 0
        var best = TERLimits.infinity
        for ref in references {
            let r = wordIDs(ref)
            let (edits, len) = TERAlgorithm.translationEditRate(hyp, r)
            refLengths += len
            if edits < best { best = edits }
        }
        guard !references.isEmpty else { return TERStats(edits: 0, refLength: 0) }
        return TERStats(edits: best, refLength: Double(refLengths) / Double(references.count))
    }
}

/// The shift search of sacrebleu lib_ter.
enum TERAlgorithm {
    /// sacrebleu `translation_edit_rate`: (number of edits, reference length).
    static func translationEditRate(_ hyp: [UInt32], _ ref: [UInt32]) -> (Int, Int) {
        if ref.isEmpty { return (hyp.count, 0) }
        var ed = BeamEditDistance(ref: ref)
        var shifts = 0
        var input = hyp
        var checked = 0
        while true {
            let (delta, shifted) = shift(input, ref, &ed, &checked)
            if checked >= TERLimits.maxShiftCandidates { break }
            if delta <= 0 { break }
            shifts += 1
            input = shifted
        }
        var none: [TEROp]? = nil
        return (shifts + ed(input, trace: &none), ref.count)
    }

    /// sacrebleu `_shift`: the best shift (score gain, shifted words); gain 0 when none helps.
    static func shift(_ h: [UInt32], _ r: [UInt32], _ ed: inout BeamEditDistance, _ checked: inout Int) -> (Int, [UInt32]) {
        var inv: [TEROp]? = []
        let preScore = ed(h, trace: &inv)
        // flip the trace (ins <-> del) and turn it into an alignment
        let nH = h.count, nR = r.count
        var align = [Int](repeating: -1, count: nR)
        var refErr = [Int](repeating: 0, count: nR)
        var hypErr = [Int](repeating: 0, count: nH)
        var posH = -1, posR = -1
        for o in inv ?? [] {
            switch o {
            case .nop:
                posH += 1; posR += 1
                align[posR] = posH
            case .sub:
                posH += 1; posR += 1
                align[posR] = posH
                hypErr[posH] = 1
                refErr[posR] = 1
            case .del:  // flipped: insertion in the hypothesis
                posH += 1
                hypErr[posH] = 1
            case .ins:  // flipped: deletion from the reference
                posR += 1
                align[posR] = posH
                refErr[posR] = 1
            case .undef:
                preconditionFailure("TER: unknown operation in trace")
            }
        }
        // prefix sums for the error-window tests
        var hypErrSum = [Int](repeating: 0, count: nH + 1)
        for i in 0..<nH { hypErrSum[i + 1] = hypErrSum[i] + hypErr[i] }
        var refErrSum = [Int](repeating: 0, count: nR + 1)
        for i in 0..<nR { refErrSum[i + 1] = refErrSum[i] + refErr[i] }

        var found = false
        var best = (score: 0, length: 0, negStart: 0, negIdx: 0)
        var bestWords: [UInt32] = []
        var buffer = [UInt32](repeating: 0, count: nH)
        var none: [TEROp]? = nil

        outer: for startH in 0..<nH {
            for startR in 0..<nR {
                if abs(startR - startH) > TERLimits.maxShiftDist { continue }
                var length = 0
                while h[startH + length] == r[startR + length] && length < TERLimits.maxShiftSize {
                    length += 1
                    // --- body of the candidate loop for (startH, startR, length) ---
                    let passes = hypErrSum[startH + length] - hypErrSum[startH] != 0
                        && refErrSum[startR + length] - refErrSum[startR] != 0
                        && !(startH <= align[startR] && align[startR] < startH + length)
                    if passes {
                        var prevIdx = -1
                        for offset in -1..<length {
                            let idx: Int
                            if startR + offset == -1 {
                                idx = 0
                            } else {
                                idx = align[startR + offset] + 1
                            }
                            if idx == prevIdx { continue }
                            prevIdx = idx
                            performShift(h, startH, length, idx, into: &buffer)
                            let cand = (score: preScore - ed(buffer, trace: &none), length: length,
                                        negStart: -startH, negIdx: -idx)
                            checked += 1
                            if !found || greater(cand, best) {
                                found = true
                                best = cand
                                bestWords = buffer
                            }
                        }
                        if checked >= TERLimits.maxShiftCandidates { break outer }
                    }
                    // --- end body ---
                    if nH == startH + length || nR == startR + length { break }
                }
            }
        }
        if !found { return (0, h) }
        return (best.score, bestWords)
    }

    /// Python tuple comparison of (score, length, -start, -idx); equal tuples imply equal shifted words.
    @inline(__always)
    private static func greater(_ a: (score: Int, length: Int, negStart: Int, negIdx: Int),
                                _ b: (score: Int, length: Int, negStart: Int, negIdx: Int)) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.length != b.length { return a.length > b.length }
        if a.negStart != b.negStart { return a.negStart > b.negStart }
        return a.negIdx > b.negIdx
    }

    /// sacrebleu `_perform_shift` with Python slice clamping, written into `out` (same length as `words`).
    static func performShift(_ words: [UInt32], _ start: Int, _ length: Int, _ target: Int, into out: inout [UInt32]) {
        let n = words.count
        var k = 0
        @inline(__always) func copy(_ lo: Int, _ hi: Int) {
            let a = max(0, min(lo, n)), b = max(0, min(hi, n))
            if a < b { for i in a..<b { out[k] = words[i]; k += 1 } }
        }
        if target < start {
            copy(0, target); copy(start, start + length); copy(target, start); copy(start + length, n)
        } else if target > start + length {
            copy(0, start); copy(start + length, target); copy(start, start + length); copy(target, n)
        } else {
            copy(0, start); copy(start + length, length + target); copy(start, start + length); copy(length + target, n)
        }
        precondition(k == n, "TER: shift changed the sentence length")
    }
}
