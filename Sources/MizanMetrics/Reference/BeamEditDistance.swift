// A port of sacrebleu 2.6.0 metrics/lib_ter.py `BeamEditDistance`: Levenshtein distance over word ids
// restricted to a beam around the length-ratio diagonal, with Tercom's operation preferences and a
// prefix cache of computed rows (a trie over hypothesis words, at most 10,000 nodes as in sacrebleu).
// The cache never changes results (a row depends only on the hypothesis prefix and length); it saves time.

/// Edit operations in a trace (sacrebleu's ' ', 's', 'i', 'd', 'x').
enum TEROp: UInt8 {
    case nop = 0, sub = 1, ins = 2, del = 3, undef = 4
}

/// sacrebleu lib_ter constants.
enum TERLimits {
    static let maxShiftSize = 10
    static let maxShiftDist = 50
    static let beamWidth = 25
    static let maxCacheSize = 10_000
    static let maxShiftCandidates = 1_000
    static let infinity = 10_000_000_000_000_000  // int(1e16)
}

/// Beam edit distance against one fixed reference, with sacrebleu's row cache.
struct BeamEditDistance: ~Copyable {
    private let ref: [UInt32]
    private let nRef: Int
    private let width: Int
    private var cache = NGramTrie(capacity: 256)
    private var cacheCost = NodeArray<Int>(capacity: 256)
    private var cacheOp = NodeArray<UInt8>(capacity: 256)
    private var cost = NodeArray<Int>(capacity: 1024)
    private var op = NodeArray<UInt8>(capacity: 1024)

    /// A distance computer for `ref` (word ids).
    init(ref: [UInt32]) {
        self.ref = ref
        nRef = ref.count
        width = ref.count + 1
    }

    /// Edit distance between the reference and `hyp`; with `trace`, also the operations (sacrebleu order).
    mutating func callAsFunction(_ hyp: [UInt32], trace: inout [TEROp]?) -> Int {
        let nH = hyp.count
        let w = width
        let cells = (nH + 1) * w
        cost.ensure(cells)
        op.ensure(cells)
        // _find_cache: row 0 is the initial row; then cached rows for the longest known prefix.
        for j in 0..<w {
            cost[at: j] = j
            op[at: j] = TEROp.ins.rawValue
        }
        var start = 0
        var node: Int32 = 0
        for word in hyp {
            let next = cache.lookup(node, word)
            if next < 0 { break }
            node = next
            start += 1
            let src = Int(next) * w
            let dst = start * w
            for j in 0..<w {
                cost[at: dst + j] = cacheCost[at: src + j]
                op[at: dst + j] = cacheOp[at: src + j]
            }
        }
        if start < nH {
            // rest of the matrix: infinities, then the recurrence inside the beam
            for k in ((start + 1) * w)..<cells {
                cost[at: k] = TERLimits.infinity
                op[at: k] = TEROp.undef.rawValue
            }
            let lengthRatio = Double(nRef) / Double(nH)
            var beam = TERLimits.beamWidth
            if Double(TERLimits.beamWidth) < lengthRatio / 2 {
                beam = Int((lengthRatio / 2 + Double(TERLimits.beamWidth)).rounded(.up))
            }
            fill(hyp, from: start + 1, ratio: lengthRatio, beam: beam)
            // _add_cache (only while the cache is below its limit at call time)
            if cache.nodeCount < TERLimits.maxCacheSize {
                var node: Int32 = 0
                for i in 0..<nH {
                    let before = cache.nodeCount
                    node = cache.child(node, hyp[i])
                    if cache.nodeCount != before {
                        let dst = Int(node) * w
                        cacheCost.ensure(dst + w)
                        cacheOp.ensure(dst + w)
                        let src = (i + 1) * w
                        for j in 0..<w {
                            cacheCost[at: dst + j] = cost[at: src + j]
                            cacheOp[at: dst + j] = op[at: src + j]
                        }
                    }
                }
            }
        }
        if trace != nil {
            var t: [TEROp] = []
            var i = nH, j = nRef
            while i > 0 || j > 0 {
                let o = TEROp(rawValue: op[at: i * w + j]) ?? .undef
                t.append(o)
                switch o {
                case .sub, .nop: i -= 1; j -= 1
                case .ins: j -= 1
                case .del: i -= 1
                case .undef: preconditionFailure("TER: unknown operation in trace")
                }
            }
            t.reverse()
            trace = t
        }
        return cost[at: nH * w + nRef]
    }

    /// The Levenshtein recurrence for rows `from...hyp.count` inside the beam.
    private func fill(_ hyp: [UInt32], from: Int, ratio: Double, beam: Int) {
        let w = width, nH = hyp.count, nRef = nRef
        let opNop = TEROp.nop.rawValue, opSub = TEROp.sub.rawValue
        let opDel = TEROp.del.rawValue, opIns = TEROp.ins.rawValue
        ref.withUnsafeBufferPointer { r in
            for i in from...nH {
                let pseudoDiag = Int((Double(i) * ratio).rounded(.down))
                let minJ = max(0, pseudoDiag - beam)
                var maxJ = min(nRef + 1, pseudoDiag + beam)
                if i == nH { maxJ = nRef + 1 }
                if minJ >= maxJ { continue }
                let row = i * w, prev = (i - 1) * w
                let word = hyp[i - 1]
                for j in minJ..<maxJ {
                    if j == 0 {
                        cost[at: row] = cost[at: prev] + 1
                        op[at: row] = opDel
                        continue
                    }
                    var best = cost[at: row + j]
                    var bestOp = op[at: row + j]
                    let match = word == r[j - 1]
                    let subCost = cost[at: prev + j - 1] + (match ? 0 : 1)
                    if best > subCost { best = subCost; bestOp = match ? opNop : opSub }
                    let delCost = cost[at: prev + j] + 1
                    if best > delCost { best = delCost; bestOp = opDel }
                    let insCost = cost[at: row + j - 1] + 1
                    if best > insCost { best = insCost; bestOp = opIns }
                    cost[at: row + j] = best
                    op[at: row + j] = bestOp
                }
            }
        }
    }
}
