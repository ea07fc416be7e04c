import Foundation

/// The few distribution functions mizan's confidence intervals need (beta and Student t quantiles),
/// implemented here so the statistics have no dependency: the regularized incomplete beta function by
/// Lentz's continued fraction (as in Numerical Recipes, 3rd ed., §6.4) and quantiles by bisection,
/// which is slow-ish (≈ 100 evaluations) but cannot diverge and is exact to double precision.
public enum Distributions {
    /// z for a two-sided 95% interval: Φ⁻¹(0.975).
    public static let z975 = 1.959963984540054

    /// The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1.
    public static func incompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * continuedFraction(x, a, b) / a }
        return 1 - exp(logFront) * continuedFraction(1 - x, b, a) / b
    }

    /// Lentz's evaluation of the incomplete beta continued fraction.
    static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < eps { break }
        }
        return h
    }

    /// The p-quantile of Beta(a, b): the x with I_x(a, b) = p.
    public static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        return bisect(low: 0, high: 1) { incompleteBeta($0, a, b) < p }
    }

    /// Two-sided critical value of Student's t with `df` degrees of freedom: the t with P(T ≤ t) = p.
    /// Infinite `df` gives the normal quantile for p = 0.975.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0.5 && p < 1, "upper quantiles only")
        if df.isInfinite { return p == 0.975 ? z975 : bisect(low: 0, high: 40) { normalCDF($0) < p } }
        // P(T ≤ t) = 1 − ½ I_{df/(df+t²)}(df/2, ½) for t ≥ 0.
        return bisect(low: 0, high: 1e4) { t in 1 - 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5) < p }
    }

    /// Standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// The boundary where `below` turns from true to false on [low, high], to full double precision.
    static func bisect(low: Double, high: Double, below: (Double) -> Bool) -> Double {
        var lo = low, hi = high
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid <= lo || mid >= hi { break }
            if below(mid) { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
