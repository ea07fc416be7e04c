import Foundation

/// Anytime-valid one-sided bounds on the mean of independent values in a known range `[low, high]`, observed one at a
/// time, by betting: the hedged-capital confidence sequence with the predictable plug-in bet of Waudby-Smith &
/// Ramdas, "Estimating means of bounded random variables by betting" (JRSS B 86(1), 2024; arXiv 2010.09686),
/// Section 4 (hedged capital process, Theorem 3) with the predictable plug-in bets of its Section 5; with a known
/// population size `N` (values drawn without replacement from a finite set, in a uniformly random order), its
/// sampling-without-replacement form (Waudby-Smith & Ramdas, "Confidence sequences for sampling without
/// replacement", NeurIPS 2020, Section 3), which bounds the mean of the whole population.
///
/// Values are rescaled to `[0, 1]`. For a hypothesised mean `m`, the upward capital is
/// `K⁺_t(m) = Π_{i≤t} (1 + λ_i(m) (y_i − m_i))` where `m_i = m` for independent values, and without replacement the
/// mean the values not yet seen would have, `m_i = (N m − Σ_{j<i} y_j) / (N − i + 1)` (a hypothesis that makes it
/// negative is impossible and rejected; above 1 it is clipped to 1), with the bet `λ_i(m) = min(λ̂_i, c / m_i)` where `λ̂_i = √(2 log(1/α) / (σ̂²_{i−1} i log(1 + i)))`, `c = 3/4`, `μ̂_i = (1/2 + Σ_{j≤i} y_j)
/// / (i + 1)`, `σ̂²_i = (1/4 + Σ_{j≤i} (y_j − μ̂_j)²) / (i + 1)`. Under a true mean `≤ m` it is a non-negative
/// supermartingale, so by Ville's inequality `sup_t K⁺_t(m) ≥ 1/α` has probability at most `α`: the mean is above `m`
/// ("established") at level `α` at whatever time the process is stopped. The downward capital `K⁻` bets on `1 − y`.
/// Both are non-increasing in `m` (each factor is), so the bounds are found by bisection; they are the running
/// intersection (the best bound reached at any time so far), so they only tighten.
public struct BettingConfidenceSequence: Sendable {
    /// Lower end of the values' range.
    public let low: Double
    /// Upper end of the values' range.
    public let high: Double
    /// Error probability of each one-sided bound (a bound holds at all times at once with probability ≥ 1 − α).
    public let alpha: Double
    /// The truncation `c` of the bets (Waudby-Smith & Ramdas use 1/2 or 3/4).
    public static let truncation = 0.75
    /// The values seen, rescaled to `[0, 1]`.
    public private(set) var scaled: [Double] = []
    /// Plug-in bets `λ̂_i`, one per value, predictable (computed from the values before it).
    private var bets: [Double] = []
    private var sum = 0.0, squares = 0.0

    /// The population size when values are drawn without replacement from a finite set in random order (nil: independent values).
    public private(set) var population: Int?

    /// A sequence for values in `[low, high]` (low < high), with one-sided error `alpha`, of a population of
    /// `population` values drawn without replacement (nil: independent values).
    public init(low: Double, high: Double, alpha: Double, population: Int? = nil) {
        precondition(low < high && alpha > 0 && alpha < 1)
        (self.low, self.high, self.alpha, self.population) = (low, high, alpha, population)
    }

    /// Takes one value out of the population without seeing it (an item that ended in an endpoint error).
    public mutating func dropFromPopulation() { population = population.map { Swift.max(scaled.count, $0 - 1) } }

    /// Number of values seen.
    public var count: Int { scaled.count }

    /// Mean of the values seen, in the original units (nil before any).
    public var mean: Double? { scaled.isEmpty ? nil : low + (high - low) * sum / Double(scaled.count) }

    /// Adds the next value (clamped to the range).
    public mutating func add(_ x: Double) {
        let t = Double(scaled.count + 1)
        let variance = (0.25 + squares) / t  // σ̂²_{t−1}
        bets.append((2 * log(1 / alpha) / (variance * t * log(1 + t))).squareRoot())
        let y = Swift.min(1, Swift.max(0, (x - low) / (high - low)))
        scaled.append(y)
        sum += y
        let muHat = (0.5 + sum) / (t + 1)
        squares += (y - muHat) * (y - muHat)
    }

    /// True when the mean is established above `m` (original units): `sup_t K⁺_t(m) ≥ 1/α`.
    public func establishesAbove(_ m: Double) -> Bool { Self.maxLogCapital(scaled, bets, scale(m), population: population) >= log(1 / alpha) }

    /// True when the mean is established below `m` (original units): `sup_t K⁻_t(m) ≥ 1/α`.
    public func establishesBelow(_ m: Double) -> Bool {
        Self.maxLogCapital(scaled.map { 1 - $0 }, bets, 1 - scale(m), population: population) >= log(1 / alpha)
    }

    /// The lower confidence bound (original units): the largest `m` established from below, or `low`.
    public var lowerBound: Double {
        let ys = scaled
        return bisect(excluded: { Self.maxLogCapital(ys, bets, $0, population: population) >= log(1 / alpha) }, from: 1e-9, to: 1)
    }

    /// The upper confidence bound (original units): the smallest `m` established from above, or `high`.
    public var upperBound: Double {
        let flipped = scaled.map { 1 - $0 }
        let u = bisect(excluded: { Self.maxLogCapital(flipped, bets, $0, population: population) >= log(1 / alpha) }, from: 1e-9, to: 1)
        return low + high - u
    }

    private func scale(_ m: Double) -> Double { (m - low) / (high - low) }

    /// `low + (high − low) · sup{m ∈ [a, b] : excluded(m)}` by bisection (`excluded` is true below some point, false above).
    private func bisect(excluded: (Double) -> Bool, from a: Double, to b: Double) -> Double {
        guard excluded(a) else { return low }
        var (lo, hi) = (a, b)
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if excluded(mid) { lo = mid } else { hi = mid }
        }
        return low + (high - low) * lo
    }

    /// `log sup_{t ≤ n} K⁺_t(m)` for values `ys` in `[0, 1]` and bets `bets` (−∞ for `m ≤ 0`: no bet is bounded there;
    /// +∞ once a population makes `m` impossible).
    public static func maxLogCapital(_ ys: [Double], _ bets: [Double], _ m: Double, population: Int? = nil) -> Double {
        guard m > 0 else { return -.infinity }
        var logK = 0.0, best = 0.0, seen = 0.0
        for (i, y) in ys.enumerated() {
            var mi = m
            if let n = population, n > i {
                mi = (Double(n) * m - seen) / Double(n - i)
                if mi < 0 { return .infinity }
                mi = Swift.min(mi, 1)
            }
            logK += log1p(Swift.min(bets[i], truncation / Swift.max(mi, 1e-12)) * (y - mi))
            best = Swift.max(best, logK)
            seen += y
        }
        return best
    }
}
