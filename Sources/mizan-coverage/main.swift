// Coverage of mizan's 95% confidence intervals, by simulation: thousands of simulated suites per cell,
// each summarised by the same functions `mizan show` and `mizan compare` call, counting how often the
// printed interval contains the true value. Run by Benchmarks/ci-coverage.sh; prints Markdown tables.
import Foundation
import MizanMetrics
import MizanReport

let arguments = CommandLine.arguments.dropFirst()
let simulations = arguments.first.flatMap(Int.init) ?? 4000
// One thread only: the simulation is sequential, so the shared generator needs no lock.
nonisolated(unsafe) var rng = SplitMix64(seed: 20_261_206)

/// A uniform draw in [0, 1).
func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
/// A standard normal draw (Box–Muller).
func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }
/// A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 by the boost u^(1/shape)).
func gamma(_ shape: Double) -> Double {
    if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
    let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
        var x = 0.0, v = 0.0
        repeat { x = normal(); v = 1 + c * x } while v <= 0
        v = v * v * v
        let u = uniform()
        if log(u) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
    }
}
/// A Beta(a, b) draw.
func beta(_ a: Double, _ b: Double) -> Double { let x = gamma(a); return x / (x + gamma(b)) }

/// The old method, for the "before" column: percentile bootstrap with 1000 resamples.
func percentileBootstrap(_ xs: [Double]) -> (Double, Double) {
    let n = xs.count
    var means = [Double](repeating: 0, count: 1000)
    for r in 0..<1000 {
        var s = 0.0
        for _ in 0..<n { s += xs[Int(rng.next() % UInt64(n))] }
        means[r] = s / Double(n)
    }
    return (Summarizer.percentile(means, 0.025) ?? 0, Summarizer.percentile(means, 0.975) ?? 0)
}

/// Coverage, share not estimable, mean width of mizan's interval, and the old bootstrap's coverage.
struct Cell {
    var covered = 0, estimable = 0, width = 0.0, oldCovered = 0, oldTotal = 0, total = 0

    /// Counts one simulated interval (nil bounds: not estimable) and, for the first `oldSimulations`, the old one.
    mutating func tally(truth: Double, low: Double?, high: Double?, old: () -> (Double, Double)) {
        total += 1
        if let low, let high {
            estimable += 1
            width += high - low
            if low - 1e-12 <= truth && truth <= high + 1e-12 { covered += 1 }
        }
        guard oldTotal < oldSimulations else { return }
        oldTotal += 1
        let (olo, ohi) = old()
        if olo - 1e-12 <= truth && truth <= ohi + 1e-12 { oldCovered += 1 }
    }
}

/// The old bootstrap is slow (1000 resamples of n draws), so it runs on the first simulations of each cell only.
let oldSimulations = min(simulations, 500)

func simulate(truth: Double, scale: ScoreScale, draw: () -> [(Int, Double)]) -> Cell {
    var cell = Cell()
    for _ in 0..<simulations {
        let sample = draw()
        let m = ConfidenceIntervals.mean(ClusteredScores(sample), scale: scale)
        cell.tally(truth: truth, low: m.low, high: m.high) { percentileBootstrap(sample.map(\.1)) }
    }
    return cell
}

func row(_ label: String, _ c: Cell, unit: Double = 1) -> String {
    let cov = c.estimable == 0 ? "–" : String(format: "%.3f", Double(c.covered) / Double(c.estimable))
    let ne = c.total - c.estimable
    return "| \(label) | \(cov) | \(ne == 0 ? "0" : String(format: "%.1f%%", 100 * Double(ne) / Double(c.total))) | "
        + String(format: "%.3f", c.estimable == 0 ? 0 : c.width / Double(c.estimable) / unit) + " | "
        + String(format: "%.3f", Double(c.oldCovered) / Double(max(c.oldTotal, 1))) + " |"
}

print("Simulations per cell: \(simulations). Coverage = share of estimable intervals containing the truth; "
      + "'old' = the percentile bootstrap mizan used before (1000 resamples), over the first \(oldSimulations) simulations.\n")

print("## 0/1 metrics (Clopper–Pearson)\n")
print("| p, n | coverage | not estimable | mean width | old bootstrap coverage |\n|---|---|---|---|---|")
for p in [0.02, 0.05, 0.3, 0.5, 0.95, 0.98] {
    for n in [10, 20, 50, 200] {
        let c = simulate(truth: p, scale: .unit) { (0..<n).map { ($0, uniform() < p ? 1.0 : 0.0) } }
        print(row("p = \(p), n = \(n)", c))
    }
}

/// Continuous distributions on 0–1 (chrF-like on 0–100) with their true means.
let continuous: [(String, Double, ScoreScale, () -> Double)] = [
    ("Beta(0.5, 3), skewed low", 0.5 / 3.5, .unit, { beta(0.5, 3) }),
    ("Beta(5, 0.7), skewed high", 5 / 5.7, .unit, { beta(5, 0.7) }),
    ("Beta(2, 2), symmetric", 0.5, .unit, { beta(2, 2) }),
    ("50% zeros, else U(0, 1)", 0.25, .unit, { uniform() < 0.5 ? 0 : uniform() }),
    ("80% zeros, else U(0, 0.6)", 0.06, .unit, { uniform() < 0.8 ? 0 : 0.6 * uniform() }),
    ("chrF-like: 100·Beta(2, 5) on 0–100", 100 * 2.0 / 7, .bounded(low: 0, high: 100), { 100 * beta(2, 5) }),
]
print("\n## Bounded continuous metrics (Korn–Graubard)\n")
print("| distribution, n | coverage | not estimable | mean width | old bootstrap coverage |\n|---|---|---|---|---|")
for (name, truth, scale, draw) in continuous {
    for n in [10, 20, 50] {
        let c = simulate(truth: truth, scale: scale) { (0..<n).map { ($0, draw()) } }
        let unit: Double = { if case .bounded(_, let hi) = scale { return hi }; return 1 }()
        print(row("\(name), n = \(n)", c, unit: unit))
    }
}

print("\n## Clustered 0/1 scores (Korn–Graubard over clusters): G clusters of 3 items sharing a latent passage difficulty\n")
print("| p, G clusters | coverage | not estimable | mean width | old bootstrap coverage (items as independent) |\n|---|---|---|---|---|")
for p in [0.1, 0.3, 0.5] {
    for g in [10, 20, 50] {
        // Each cluster's success probability is Beta(2p/(1−p)·k…) with mean p and intra-cluster correlation 1/(1+k)≈0.33.
        let k = 2.0
        let c = simulate(truth: p, scale: .unit) {
            (0..<g).flatMap { cluster -> [(Int, Double)] in
                let q = beta(p * k, (1 - p) * k)
                return (0..<3).map { _ in (cluster, uniform() < q ? 1.0 : 0.0) }
            }
        }
        print(row("p = \(p), G = \(g)", c))
    }
}

print("\n## Paired differences\n")
print("| case, n | coverage | not estimable | mean width | old paired bootstrap coverage |\n|---|---|---|---|---|")
/// Paired 0/1 outcomes from a correlated latent pair with marginal success rates pr (reference) and pc (candidate).
func pairedBinary(_ pr: Double, _ pc: Double, rho: Double, n: Int) -> ([Double], [Double]) {
    var r: [Double] = [], c: [Double] = []
    let zr = quantile(pr), zc = quantile(pc)
    for _ in 0..<n {
        let a = normal(), b = rho * a + (1 - rho * rho).squareRoot() * normal()
        r.append(a < zr ? 1 : 0); c.append(b < zc ? 1 : 0)
    }
    return (r, c)
}
/// Standard normal quantile by bisection on the CDF.
func quantile(_ p: Double) -> Double {
    var lo = -10.0, hi = 10.0
    for _ in 0..<100 { let mid = (lo + hi) / 2; if Distributions.normalCDF(mid) < p { lo = mid } else { hi = mid } }
    return (lo + hi) / 2
}
func pairedCell(truth: Double, draw: () -> ([Double], [Double])) -> Cell {
    var cell = Cell()
    for _ in 0..<simulations {
        let (r, c) = draw()
        let d = PairedStatistics.compare(reference: r, candidate: c, permutations: 1)
        cell.tally(truth: truth, low: d.low, high: d.high) { percentileBootstrap(zip(c, r).map { $0 - $1 }) }
    }
    return cell
}
for (pr, pc, rho) in [(0.3, 0.3, 0.5), (0.5, 0.6, 0.0), (0.05, 0.1, 0.5), (0.9, 0.95, 0.3)] {
    for n in [10, 20, 50, 200] {
        let c = pairedCell(truth: pc - pr) { pairedBinary(pr, pc, rho: rho, n: n) }
        print(row("0/1, p \(pr) → \(pc), ρ \(rho), n = \(n) (Newcombe)", c))
    }
}
for n in [10, 20, 50] {
    // chrF-like pairs: the candidate is the reference plus N(0.05, 0.1) noise, clipped to 0–1; truth by a large sample.
    func pair() -> (Double, Double) { let r = beta(0.5, 3); return (r, min(1, max(0, r + 0.05 + 0.1 * normal()))) }
    var truth = 0.0
    for _ in 0..<400_000 { let (r, c) = pair(); truth += c - r }
    truth /= 400_000
    let c = pairedCell(truth: truth) {
        let pairs = (0..<n).map { _ in pair() }
        return (pairs.map(\.0), pairs.map(\.1))
    }
    print(row("continuous, Beta(0.5, 3) + N(0.05, 0.1), n = \(n) (Student t)", c))
}
