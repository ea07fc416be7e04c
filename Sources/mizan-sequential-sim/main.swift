// Error rates and item use of `mizan gate --sequential`, by simulation: thousands of simulated gates on synthetic
// paired scores, each decided item by item with the same confidence sequence and decision rule as the gate
// (BettingConfidenceSequence, SequentialMonitor.decide), falling back to the fixed-size decision when the items run
// out. Run by Benchmarks/sequential-gate-sim.sh; prints a Markdown table. Not shipped.
import Foundation
import MizanGate
import MizanReport

let arguments = CommandLine.arguments.dropFirst()
let gates = arguments.first.flatMap(Int.init) ?? 2000
let items = arguments.dropFirst().first.flatMap(Int.init) ?? 200
let alpha = 0.05
nonisolated(unsafe) var rng = SplitMix64(seed: 20_261_206)

/// A uniform draw in [0, 1).
func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
/// A standard normal draw (Box–Muller).
func normal() -> Double { (-2 * log(1 - uniform())).squareRoot() * cos(2 * .pi * uniform()) }

/// One item's (baseline, candidate) scores when the candidate is worse by `shift` on average.
typealias Pair = (base: Double, cand: Double)

/// 0/1 scores: an item is right for the baseline when its difficulty u < 0.7; the candidate re-draws the
/// difficulty of 20% of the items and is right when u < 0.7 − shift (so its accuracy falls by `shift`).
func binaryPair(shift: Double) -> Pair {
    let u = uniform()
    let v = uniform() < 0.8 ? u : uniform()
    return (u < 0.7 ? 1 : 0, v < 0.7 - shift ? 1 : 0)
}

/// chrF-like scores on 0–100: baseline 15 + 60·U², candidate the baseline minus `shift` plus noise (sd 8), clipped.
func continuousPair(shift: Double) -> Pair {
    let b = 15 + 60 * pow(uniform(), 2)
    return (b, min(100, max(0, b - shift + 8 * normal())))
}

/// The fixed-size gate's decision on all items: `no_significant_regression` as a paired t test (worse with
/// two-sided p < α, normal approximation), `max_drop` as the observed drop against the margin.
func fixedFails(_ worsening: [Double], check: String, maxDrop: Double) -> Bool {
    let n = Double(worsening.count)
    let mean = worsening.reduce(0, +) / n
    if check == "max_drop" { return mean > maxDrop }
    let sd = (worsening.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
    guard sd > 0 else { return mean > 0 }
    return mean / (sd / n.squareRoot()) > 1.959964
}

struct Cell {
    var fails = 0, earlyFails = 0, earlyPasses = 0, used = 0, fixedFails = 0
}

/// Simulates `gates` gates of `items` items with one check and returns the counts.
func simulate(check: String, range: Double, margin: Double, draw: () -> Pair) -> Cell {
    var cell = Cell()
    for _ in 0..<gates {
        let population = check == "max_drop" ? items : nil
        var cs = BettingConfidenceSequence(low: -range, high: range, alpha: alpha, population: population)
        let all = (0..<items).map { _ in draw() }.map { $0.base - $0.cand }
        if fixedFails(all, check: check, maxDrop: margin) { cell.fixedFails += 1 }
        var worsening: [Double] = []
        var outcome = SequentialOutcome.undecided
        while worsening.count < items {
            let d = all[worsening.count]
            worsening.append(d)
            cs.add(d)
            outcome = SequentialMonitor.decide(cs, failBeyond: check == "max_drop" ? margin : 0, passWithin: margin, failsLow: false)
            if outcome != .undecided { break }
        }
        cell.used += worsening.count
        switch outcome {
        case .regression: cell.fails += 1; cell.earlyFails += worsening.count < items ? 1 : 0
        case .pass: cell.earlyPasses += worsening.count < items ? 1 : 0
        case .undecided: if fixedFails(worsening, check: check, maxDrop: margin) { cell.fails += 1 }
        }
    }
    return cell
}

print("\(gates) simulated gates per row, \(items) items each, α = \(alpha) (confidence 0.95), seed 20261206.\n")
print("| scores | check (margin) | true worsening | fail rate | failed early | passed early | items used (mean) | fixed-size gate fail rate |")
print("|---|---|---|---:|---:|---:|---:|---:|")
let setups: [(String, Double, (Double) -> Pair, [(String, Double)], [(String, Double)])] = [
    ("0/1", 1, binaryPair, [("no_significant_regression", 0.1), ("max_drop", 0.1)], [("none", 0), ("small (0.05)", 0.05), ("large (0.3)", 0.3)]),
    ("0–100", 100, continuousPair, [("no_significant_regression", 10), ("max_drop", 5)], [("none", 0), ("small (3)", 3), ("large (20)", 20)]),
]
for (name, range, pair, checks, shifts) in setups {
    for (check, margin) in checks {
        for (label, shift) in shifts {
            let c = simulate(check: check, range: range, margin: margin) { pair(shift) }
            let g = Double(gates)
            print(String(format: "| %@ | %@ (%g) | %@ | %.3f | %.3f | %.3f | %.1f%% | %.3f |", name, check, margin, label, Double(c.fails) / g,
                         Double(c.earlyFails) / g, Double(c.earlyPasses) / g, 100 * Double(c.used) / (g * Double(items)),
                         Double(c.fixedFails) / g))
        }
    }
}
