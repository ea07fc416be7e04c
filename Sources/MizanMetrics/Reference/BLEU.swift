import Foundation

// BLEU as in sacrebleu 2.6.0 metrics/bleu.py: n-gram orders 1…max order (default 4), closest reference
// length (ties to the shorter), reference counts merged by max over references, smoothing `exp`
// (default), `floor`, `add-k` or `none`, optional effective order.

/// Sufficient statistics of BLEU for one segment or a corpus (sacrebleu's stats list).
public struct BLEUStats: Sendable, Hashable {
    /// Hypothesis length in tokens.
    public var sysLen: Int = 0
    /// Closest reference length in tokens.
    public var refLen: Int = 0
    /// Clipped n-gram matches per order (1…max order).
    public var correct: [Int]
    /// Hypothesis n-grams per order (1…max order).
    public var total: [Int]

    /// Empty statistics for n-gram orders 1…`maxOrder` (sacrebleu's default 4).
    public init(maxOrder: Int = 4) {
        correct = [Int](repeating: 0, count: maxOrder)
        total = [Int](repeating: 0, count: maxOrder)
    }

    /// Statistics with the given counts (orders = `correct.count`).
    public init(sysLen: Int, refLen: Int, correct: [Int], total: [Int]) {
        self.sysLen = sysLen
        self.refLen = refLen
        self.correct = correct
        self.total = total
    }

    /// Adds `other` into these statistics (corpus aggregation).
    public mutating func add(_ other: BLEUStats) {
        sysLen += other.sysLen
        refLen += other.refLen
        for n in 0..<correct.count {
            correct[n] += other.correct[n]
            total[n] += other.total[n]
        }
    }
}

/// BLEU's final numbers (sacrebleu's `BLEUScore`).
public struct BLEUResult: Sendable, Hashable {
    /// The score, 0–100.
    public var score: Double
    /// Precisions per order, 0–100.
    public var precisions: [Double]
    /// Brevity penalty.
    public var bp: Double
    /// Statistics the score came from.
    public var stats: BLEUStats

    /// sacrebleu's verbose tail: `62.9/38.5/26.6/18.7 (BP = 0.975 ratio = 0.975 hyp_len = 1234 ref_len = 1266)`.
    public var verbose: String {
        let prec = precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
        let ratio = stats.refLen > 0 ? Double(stats.sysLen) / Double(stats.refLen) : 0
        return prec + String(format: " (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
                             bp, ratio, stats.sysLen, stats.refLen)
    }
}

/// BLEU computations (static, pure).
public enum BLEU {
    /// sacrebleu's `my_log`: log, with log(0) floored to -9999999999.
    @inline(__always) static func myLog(_ x: Double) -> Double { x == 0 ? -9_999_999_999 : Foundation.log(x) }

    /// sacrebleu's `compute_bleu` over `stats` (max order = `stats.correct.count`); `smoothValue` nil means
    /// the method's default (floor 0.1, add-k 1).
    public static func compute(_ stats: BLEUStats, effectiveOrder: Bool, smooth: BLEUSmoothing = .exp,
                               smoothValue: Double? = nil) -> BLEUResult {
        let maxOrder = stats.correct.count
        let value = smoothValue ?? smooth.defaultValue ?? 0
        var bp = 1.0
        if stats.sysLen < stats.refLen {
            bp = stats.sysLen > 0 ? Foundation.exp(1 - Double(stats.refLen) / Double(stats.sysLen)) : 0.0
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        if !stats.correct.contains(where: { $0 != 0 }) {
            return BLEUResult(score: 0, precisions: precisions, bp: bp, stats: stats)
        }
        var smoothMteval = 1.0
        var effOrder = maxOrder
        for n in 1...maxOrder {
            var correct = Double(stats.correct[n - 1]), total = Double(stats.total[n - 1])
            if smooth == .addK && n > 1 {
                correct += value
                total += value
            }
            if total == 0 { break }
            if effectiveOrder { effOrder = n }
            if correct == 0 {
                if smooth == .exp {
                    smoothMteval *= 2
                    precisions[n - 1] = 100.0 / (smoothMteval * total)
                } else if smooth == .floor {
                    precisions[n - 1] = 100.0 * value / total
                }
            } else {
                precisions[n - 1] = 100.0 * correct / total
            }
        }
        var sum = 0.0
        for p in precisions[0..<effOrder] { sum += myLog(p) }
        let score = bp * Foundation.exp(sum / Double(effOrder))
        return BLEUResult(score: score, precisions: precisions, bp: bp, stats: stats)
    }
}

/// Per-thread machinery that turns (hypothesis, references) into `BLEUStats`.
struct BLEUWorker: ~Copyable {
    let tokenizer: BLEUTokenizer
    let lowercase: Bool
    let maxOrder: Int
    let spm: SentencePieceModel?
    private var words = WordTable()
    private var grams = NGramTrie()
    private var depth = NodeArray<UInt8>()
    private var hyp = NodeArray<Int32>()
    private var refMax = NodeArray<Int32>()
    private var cur = NodeArray<Int32>()
    private var hypTouched: [Int32] = []
    private var curTouched: [Int32] = []
    private var refTouched: [Int32] = []
    private var raw = ScalarBuffer()
    private var low = ScalarBuffer()
    private var tok = ScalarBuffer()
    private var ids = ScalarBuffer()
    private var gramIDs = ScalarBuffer()
    private var bytes: [UInt8] = []
    private var scratch = TokenizerScratch()

    /// A worker for BLEU as `options` configure it (tokenizer, case, max order, SentencePiece model).
    init(options: ReferenceOptions) {
        self.init(tokenizer: options.tokenize, lowercase: options.lowercases(.bleu), maxOrder: options.maxNgramOrder,
                  spm: options.spmModel)
    }

    init(tokenizer: BLEUTokenizer, lowercase: Bool, maxOrder: Int = 4, spm: SentencePieceModel? = nil) {
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.maxOrder = maxOrder
        self.spm = tokenizer.usesSentencePiece ? spm : nil
    }

    /// Word ids of the preprocessed, tokenized segment (sacrebleu `_preprocess_segment` + `split()`).
    private mutating func tokenIDs(_ text: String) {
        ids.removeAll()
        raw.load(text)
        if lowercase {
            scratch.cache.lower(raw, into: &low)
            swap(&raw, &low)
        }
        let n = PyText.rstripLength(raw)
        if let spm {
            raw.utf8(prefix: n, into: &bytes)
            bytes.withUnsafeBufferPointer { text in spm.encode(utf8: text) { tok.load(validUTF8: $0) } }
        } else {
            tokenizer.apply(raw, count: n, into: &tok, scratch: &scratch)
        }
        splitTokens()
    }

    /// The SentencePiece pieces of `text` joined by spaces, after the same lowercasing and trailing-whitespace strip
    /// as `tokenIDs` (so `stats(…, referencesArePieces: true)` on the result counts what it would count on `text`).
    /// Only with a SentencePiece tokenizer.
    mutating func pieces(_ text: String) -> String {
        precondition(spm != nil, "pieces(_:) needs a SentencePiece tokenizer")
        ids.removeAll()
        raw.load(text)
        if lowercase {
            scratch.cache.lower(raw, into: &low)
            swap(&raw, &low)
        }
        raw.utf8(prefix: PyText.rstripLength(raw), into: &bytes)
        var out = ""
        bytes.withUnsafeBufferPointer { text in spm!.encode(utf8: text) { out = String(decoding: $0, as: UTF8.self) } }
        return out
    }

    /// Word ids of text that is already pieces joined by spaces (from `pieces(_:)`).
    private mutating func pieceIDs(_ pieces: String) {
        ids.removeAll()
        tok.load(pieces)
        splitTokens()
    }

    /// Word ids of the whitespace-separated runs of `tok` (single scalars for `char`).
    private mutating func splitTokens() {
        let c = tok.count
        let p = tok.base
        if tokenizer.splitsEveryScalar {
            for i in 0..<c where !PyText.isSpace(p[i]) { ids.append(words.id(p, i, i + 1)) }
            return
        }
        var i = 0
        while i < c {
            while i < c && PyText.isSpace(p[i]) { i += 1 }
            if i >= c { break }
            let start = i
            while i < c && !PyText.isSpace(p[i]) { i += 1 }
            ids.append(words.id(p, start, i))
        }
    }

    /// Fills `gramIDs` with the n-gram nodes (orders 1…max order) of `ids`.
    private mutating func gramNodes() {
        gramIDs.removeAll()
        let t = ids.count
        gramIDs.reserve(maxOrder * t)
        for i in 0..<t {
            var node: Int32 = 0
            for n in 0..<min(maxOrder, t - i) {
                let before = grams.nodeCount
                node = grams.child(node, ids[i + n])
                if grams.nodeCount != before {
                    depth.ensure(Int(node))
                    depth[node] = UInt8(n)
                }
                gramIDs.appendUnchecked(UInt32(node))
            }
        }
    }

    /// BLEU statistics of one segment against its references (sacrebleu `_compute_segment_statistics`);
    /// `referencesArePieces`: the references are `pieces(_:)` of the real ones (tokenized once for several systems).
    mutating func stats(hypothesis: String, references: [String], referencesArePieces: Bool = false) -> BLEUStats {
        words.reset()
        grams.reset()
        var refLens: [Int] = []
        refTouched.removeAll(keepingCapacity: true)
        for ref in references {
            if referencesArePieces { pieceIDs(ref) } else { tokenIDs(ref) }
            refLens.append(ids.count)
            gramNodes()
            cur.ensure(grams.nodeCount)
            refMax.ensure(grams.nodeCount)
            for k in 0..<gramIDs.count {
                let g = Int32(gramIDs[k])
                if cur[g] == 0 { curTouched.append(g) }
                cur[g] += 1
            }
            for g in curTouched {
                if refMax[g] == 0 { refTouched.append(g) }
                if cur[g] > refMax[g] { refMax[g] = cur[g] }
                cur[g] = 0
            }
            curTouched.removeAll(keepingCapacity: true)
        }
        tokenIDs(hypothesis)
        let hypLen = ids.count
        gramNodes()
        hyp.ensure(grams.nodeCount)
        refMax.ensure(grams.nodeCount)
        for k in 0..<gramIDs.count {
            let g = Int32(gramIDs[k])
            if hyp[g] == 0 { hypTouched.append(g) }
            hyp[g] += 1
        }
        var st = BLEUStats(maxOrder: maxOrder)
        st.sysLen = hypLen
        st.refLen = Self.closestRefLen(hypLen, refLens)
        for g in hypTouched {
            let n = Int(depth[g])
            let h = Int(hyp[g])
            st.total[n] += h
            st.correct[n] += min(h, Int(refMax[g]))
            hyp[g] = 0
        }
        hypTouched.removeAll(keepingCapacity: true)
        for g in refTouched { refMax[g] = 0 }
        return st
    }

    /// sacrebleu `_get_closest_ref_len`: closest length, ties to the shorter; -1 without references.
    static func closestRefLen(_ hypLen: Int, _ refLens: [Int]) -> Int {
        var closestDiff = -1, closestLen = -1
        for r in refLens {
            let diff = abs(hypLen - r)
            if closestDiff == -1 || diff < closestDiff {
                closestDiff = diff
                closestLen = r
            } else if diff == closestDiff && r < closestLen {
                closestLen = r
            }
        }
        return closestLen
    }
}
