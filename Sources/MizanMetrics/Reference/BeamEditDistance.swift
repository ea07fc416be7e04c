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
final class BeamEditDistance {
    private let ref: [UInt32]
    private let nRef: Int
    private let width: Int
    private let cache = NGramTrie(capacity: 256)
    private var cacheCost: [Int] = []
    private var cacheOp: [UInt8] = []
    private var cost: [Int] = []
    private var op: [UInt8] = []

    /// A distance computer for `ref` (word ids).
    init(ref: [UInt32]) {
        self.ref = ref
        nRef = ref.count
        width = ref.count + 1
    }

    /// Edit distance between the reference and `hyp`; with `trace`, also the operations (sacrebleu order).
    func callAsFunction(_ hyp: [UInt32], trace: inout [TEROp]?) -> Int {
        let nH = hyp.count
        let w = width
        let cells = (nH + 1) * w
        if cost.count < cells {
            cost = [Int](repeating: 0, count: cells)
            op = [UInt8](repeating: 0, count: cells)
        }
        // _find_cache: row 0 is the initial row; then cached rows for the longest known prefix.
        for j in 0..<w {
            cost[j] = j
            op[j] = TEROp.ins.rawValue
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
                cost[dst + j] = cacheCost[src + j]
                op[dst + j] = cacheOp[src + j]
            }
        }
        // rest of the matrix: infinities
        if start < nH {
            for k in ((start + 1) * w)..<cells {
                cost[k] = TERLimits.infinity
                op[k] = TEROp.undef.rawValue
            }
        }
        let lengthRatio = nH > 0 ? Double(nRef) / Double(nH) : 1.0
        var beam = TERLimits.beamWidth
        if Double(TERLimits.beamWidth) < lengthRatio / 2 {
            beam = Int((lengthRatio / 2 + Double(TERLimits.beamWidth)).rounded(.up))
        }
        if start < nH {
            cost.withUnsafeMutableBufferPointer { c in
                op.withUnsafeMutableBufferPointer { o in
                    ref.withUnsafeBufferPointer { r in
                        fill(c, o, r, hyp, from: start + 1, to: nH, ratio: lengthRatio, beam: beam)
                    }
                }
            }
        }
        // _add_cache (only while the cache is below its limit at call time)
        if cache.nodeCount < TERLimits.maxCacheSize && start < nH {
            var node: Int32 = 0
            for i in 0..<nH {
                let before = cache.nodeCount
                node = cache.child(node, hyp[i])
                if cache.nodeCount != before {
                    let need = (Int(node) + 1) * w
                    if cacheCost.count < need {
                        let grow = max(need, cacheCost.count * 2)
                        cacheCost.append(contentsOf: repeatElement(0, count: grow - cacheCost.count))
                        cacheOp.append(contentsOf: repeatElement(0, count: grow - cacheOp.count))
                    }
                    let src = (i + 1) * w, dst = Int(node) * w
                    for j in 0..<w {
                        cacheCost[dst + j] = cost[src + j]
                        cacheOp[dst + j] = op[src + j]
                    }
                }
            }
        }
        if trace != nil {
            var t: [TEROp] = []
            var i = nH, j = nRef
            while i > 0 || j > 0 {
                let o = TEROp(rawValue: op[i * w + j]) ?? .undef
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
        return cost[nH * w + nRef]
    }

    /// The Levenshtein recurrence for rows `from...to` inside the beam.
    private func fill(_ c: UnsafeMutableBufferPointer<Int>, _ o: UnsafeMutableBufferPointer<UInt8>,
                      _ r: UnsafeBufferPointer<UInt32>, _ hyp: [UInt32], from: Int, to nH: Int,
                      ratio: Double, beam: Int) {
        let w = width
        let opNop = TEROp.nop.rawValue, opSub = TEROp.sub.rawValue
        let opDel = TEROp.del.rawValue, opIns = TEROp.ins.rawValue
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
                    c[row] = c[prev] + 1
                    o[row] = opDel
                    continue
                }
                var best = c[row + j]
                var bestOp = o[row + j]
                let match = word == r[j - 1]
                let subCost = c[prev + j - 1] + (match ? 0 : 1)
                if best > subCost { best = subCost; bestOp = match ? opNop : opSub }
                let delCost = c[prev + j] + 1
                if best > delCost { best = delCost; bestOp = opDel }
                let insCost = c[row + j - 1] + 1
                if best > insCost { best = insCost; bestOp = opIns }
                c[row + j] = best
                o[row + j] = bestOp
            }
        }
    }
}
