// chrF / chrF++ as in sacrebleu 2.6.0 metrics/chrf.py and metrics/helpers.py.
// Character n-grams (1…6) over the segment with every Python-whitespace code point removed;
// word n-grams (1…word order) over `split()` words with sacrebleu's one-sided punctuation split;
// effective-order averaging of precision and recall (default) or epsilon smoothing, beta 2 by
// default; whitespace optionally kept in character n-grams; the best reference by sentence F wins
// (first on ties).

/// chrF parameters (sacrebleu defaults: char order 6, word order 0 or 2, beta 2).
public struct CHRFConfig: Sendable, Hashable {
    /// Character n-gram order.
    public var charOrder: Int = 6
    /// Word n-gram order (0 = chrF, 2 = chrF++).
    public var wordOrder: Int = 0
    /// Recall weight.
    public var beta: Int = 2
    /// Lowercase before extracting n-grams.
    public var lowercase: Bool = false
    /// Keep whitespace in character n-grams (sacrebleu `whitespace=True`).
    public var whitespace: Bool = false
    /// Epsilon smoothing (sacrebleu `eps_smoothing=True`) instead of effective-order averaging.
    public var epsSmoothing: Bool = false

    /// The highest total order (char + word) mizan accepts.
    public static let maxOrder = 32

    /// A configuration; defaults are sacrebleu's chrF.
    public init(charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false,
                whitespace: Bool = false, epsSmoothing: Bool = false) {
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.epsSmoothing = epsSmoothing
    }

    /// Total number of orders (char + word).
    public var order: Int { charOrder + wordOrder }

    /// sacrebleu's score name: `chrF2` or `chrF2++`.
    public var displayName: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }
}

/// chrF computations (static, pure).
public enum CHRF {
    /// sacrebleu `_compute_f_score` over flattened [hyp, ref, match] triples per order.
    public static func fScore(_ stats: [Int], config: CHRFConfig) -> Double {
        let factor = Double(config.beta * config.beta)
        var avgPrec = 0.0, avgRec = 0.0
        var effectiveOrder = 0
        if config.epsSmoothing {
            let eps = 1e-16
            var score = 0.0
            for i in 0..<config.order {
                let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
                let prec = nHyp > 0 ? Double(nMatch) / Double(nHyp) : eps
                let rec = nRef > 0 ? Double(nMatch) / Double(nRef) : eps
                let denom = factor * prec + rec
                score += denom > 0 ? ((1 + factor) * prec * rec / denom) : eps
            }
            return 100 * score / Double(config.order)
        }
        for i in 0..<config.order {
            let nHyp = stats[3 * i], nRef = stats[3 * i + 1], nMatch = stats[3 * i + 2]
            if nHyp > 0 && nRef > 0 {
                avgPrec += Double(nMatch) / Double(nHyp)
                avgRec += Double(nMatch) / Double(nRef)
                effectiveOrder += 1
            }
        }
        if effectiveOrder == 0 {
            avgPrec = 0
            avgRec = 0
        } else {
            avgPrec /= Double(effectiveOrder)
            avgRec /= Double(effectiveOrder)
        }
        if avgPrec + avgRec != 0 {
            var score = (1 + factor) * avgPrec * avgRec
            score /= (factor * avgPrec) + avgRec
            return 100 * score
        }
        return 0
    }

    /// sacrebleu `CHRF._PUNCTS` (Python's `string.punctuation`).
    @inline(__always) static func isPunct(_ v: UInt32) -> Bool {
        (v >= 0x21 && v <= 0x2F) || (v >= 0x3A && v <= 0x40) || (v >= 0x5B && v <= 0x60) || (v >= 0x7B && v <= 0x7E)
    }
}

/// Per-thread machinery that turns (hypothesis, references) into chrF statistics.
struct CHRFWorker: ~Copyable {
    let config: CHRFConfig
    private var trie = NGramTrie()
    private var wordTable = WordTable()
    private var depth = NodeArray<UInt8>()
    private var hyp = NodeArray<Int32>()
    private var cur = NodeArray<Int32>()
    private var hypTouched: [Int32] = []
    private var grams = ScalarBuffer()
    private var raw = ScalarBuffer()
    private var low = ScalarBuffer()
    private var chars = ScalarBuffer()
    private var words: [Range<Int>] = []
    private var wordIDs = ScalarBuffer()
    private var cache = TextCache()
    private static let wordRoot: Int32 = -1

    init(config: CHRFConfig) { self.config = config }

    @inline(__always)
    private mutating func setDepth(_ node: Int32, _ d: Int) {
        depth.ensure(Int(node))
        depth[node] = UInt8(d)
    }

    /// Fills `grams` with the n-gram nodes of one segment (sacrebleu `extract_all_char_ngrams` + word n-grams).
    private mutating func extract(_ text: String) {
        grams.removeAll()
        raw.load(text)
        if config.lowercase {
            cache.lower(raw, into: &low)
            swap(&raw, &low)
        }
        chars.removeAll()
        chars.reserve(raw.count)
        if config.whitespace {
            for i in 0..<raw.count { chars.appendUnchecked(raw[i]) }
        } else {
            for i in 0..<raw.count where !PyText.isSpace(raw[i]) { chars.appendUnchecked(raw[i]) }
        }
        let len = chars.count
        let co = config.charOrder
        grams.reserve(co * len)
        for i in 0..<len {
            var node: Int32 = 0
            for n in 0..<min(co, len - i) {
                let before = trie.nodeCount
                node = trie.child(node, chars[i + n])
                if trie.nodeCount != before { setDepth(node, n) }
                grams.appendUnchecked(UInt32(node))
            }
        }
        guard config.wordOrder > 0 else { return }
        // _remove_punctuation over split() words
        words.removeAll(keepingCapacity: true)
        PyText.splitRanges(raw, count: raw.count, into: &words)
        wordIDs.removeAll()
        for w in words {
            if w.count == 1 {
                wordIDs.append(wordID(w))
            } else if CHRF.isPunct(raw[w.upperBound - 1]) {
                wordIDs.append(wordID(w.lowerBound..<(w.upperBound - 1)))
                wordIDs.append(wordID((w.upperBound - 1)..<w.upperBound))
            } else if CHRF.isPunct(raw[w.lowerBound]) {
                wordIDs.append(wordID(w.lowerBound..<(w.lowerBound + 1)))
                wordIDs.append(wordID((w.lowerBound + 1)..<w.upperBound))
            } else {
                wordIDs.append(wordID(w))
            }
        }
        let t = wordIDs.count
        for n in 0..<config.wordOrder {
            // extract_word_ngrams(words, n + 1): ' '.join of n + 1 consecutive words
            if t - n <= 0 { continue }
            for i in 0..<(t - n) {
                var node = Self.wordRoot
                for k in 0...n {
                    let before = trie.nodeCount
                    node = trie.child(node, wordIDs[i + k])
                    if trie.nodeCount != before { setDepth(node, co + k) }
                }
                grams.append(UInt32(node))
            }
        }
    }

    /// A word's id in the segment's word table.
    @inline(__always)
    private mutating func wordID(_ r: Range<Int>) -> UInt32 {
        wordTable.id(raw.base, r.lowerBound, r.upperBound)
    }

    /// chrF statistics of one segment: 3 × order integers [hyp, ref, match] per order (best reference).
    mutating func stats(hypothesis: String, references: [String]) -> [Int] {
        trie.reset()
        wordTable.reset()
        let order = config.order
        extract(hypothesis)
        hyp.ensure(trie.nodeCount)
        var hypTotals = [Int](repeating: 0, count: order)
        for k in 0..<grams.count {
            let g = Int32(grams[k])
            if hyp[g] == 0 { hypTouched.append(g) }
            hyp[g] += 1
            hypTotals[Int(depth[g])] += 1
        }
        var best = [Int](repeating: 0, count: 3 * order)
        var bestF = -1.0
        var st = [Int](repeating: 0, count: 3 * order)
        var refTotals = [Int](repeating: 0, count: order)
        var match = [Int](repeating: 0, count: order)
        for ref in references {
            extract(ref)
            cur.ensure(trie.nodeCount)
            hyp.ensure(trie.nodeCount)
            for o in 0..<order { refTotals[o] = 0; match[o] = 0 }
            for k in 0..<grams.count {
                let g = Int32(grams[k])
                cur[g] += 1
                refTotals[Int(depth[g])] += 1
            }
            for g in hypTouched {
                let r = cur[g]
                if r > 0 { match[Int(depth[g])] += Int(min(hyp[g], r)) }
            }
            for k in 0..<grams.count { cur[Int32(grams[k])] = 0 }
            for o in 0..<order {
                st[3 * o] = refTotals[o] > 0 ? hypTotals[o] : 0
                st[3 * o + 1] = refTotals[o]
                st[3 * o + 2] = match[o]
            }
            let f = CHRF.fScore(st, config: config)
            if f > bestF {
                bestF = f
                best = st
            }
        }
        for g in hypTouched { hyp[g] = 0 }
        hypTouched.removeAll(keepingCapacity: true)
        return best
    }
}
