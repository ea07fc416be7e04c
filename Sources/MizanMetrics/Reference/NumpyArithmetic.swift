// NumPy's arithmetic where sacrebleu's paired tests show it: NumPy 2's promotion of Python floats meeting float32
// values, and the pairwise summation behind `np.sum` and `mean`. Used by PairedSignificance.swift.

/// A number in sacrebleu's chrF arithmetic on float32 statistics: a Python float (float64) or a NumPy float32.
/// Under NumPy 2's promotion rules a Python float meeting a float32 is converted to float32 and the operation
/// runs in float32; two Python floats stay float64.
enum EpsValue {
    /// A Python float.
    case python(Double)
    /// A NumPy float32.
    case float(Float)

    /// The value as a Double (for comparisons).
    var value: Double {
        switch self {
        case .python(let d): return d
        case .float(let f): return Double(f)
        }
    }

    /// The value as float32 (a Python float converted as NumPy would).
    var float32: Float {
        switch self {
        case .python(let d): return Float(d)
        case .float(let f): return f
        }
    }

    private static func apply(_ a: EpsValue, _ b: EpsValue, _ d: (Double, Double) -> Double, _ f: (Float, Float) -> Float) -> EpsValue {
        if case .python(let x) = a, case .python(let y) = b { return .python(d(x, y)) }
        return .float(f(a.float32, b.float32))
    }

    static func + (a: EpsValue, b: EpsValue) -> EpsValue { apply(a, b, +, +) }
    static func * (a: EpsValue, b: EpsValue) -> EpsValue { apply(a, b, *, *) }
    static func / (a: EpsValue, b: EpsValue) -> EpsValue { apply(a, b, /, /) }
}

/// numpy's pairwise summation (`pairwise_sum` in numpy's loops, accumulating in the array's precision), so means
/// match numpy's to the last bit.
enum NumpySum {
    /// The sum numpy's `np.sum`/`mean` computes for a contiguous float64 or float32 array.
    static func pairwise<F: BinaryFloatingPoint>(_ a: [F]) -> F {
        if a.isEmpty { return 0 }
        return a.withUnsafeBufferPointer { sum($0.baseAddress!, $0.count) }
    }

    private static func sum<F: BinaryFloatingPoint>(_ a: UnsafePointer<F>, _ n: Int) -> F {
        if n < 8 {
            var res: F = 0
            for i in 0..<n { res += a[i] }
            return res
        } else if n <= 128 {
            var r = (0..<8).map { a[$0] }
            var i = 8
            while i < n - (n % 8) {
                for k in 0..<8 { r[k] += a[i + k] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                res += a[i]
                i += 1
            }
            return res
        } else {
            var n2 = n / 2
            n2 -= n2 % 8
            return sum(a, n2) + sum(a + n2, n - n2)
        }
    }
}
