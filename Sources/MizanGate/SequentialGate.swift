import Foundation
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore

/// How a sequentially tested check stood when the gate stopped.
public enum SequentialOutcome: String, Sendable, Hashable {
    /// The bound established the failure (regression beyond the margin, or a mean beyond its limit).
    case regression
    /// The bound ruled the failure out.
    case pass
    /// Neither yet: decided by the fixed-size check on every item (the items ran out).
    case undecided
}

/// One score check of one slice tested sequentially, as it stood at the stop.
public struct SequentialCheckResult: Sendable, Hashable {
    /// Suite id.
    public var suite: String
    /// Language tag or `all`.
    public var language: String
    /// Metric.
    public var metric: String
    /// The rule check: `max_drop`, `no_significant_regression`, `min` or `max`.
    public var check: String
    /// The rules that set the limit.
    public var rules: [String]
    /// `worsening` (paired: baseline − candidate, direction-aware) or `candidate mean` (`min`, `max`).
    public var quantity: String
    /// The quantity fails above this (`max_drop`, `no_significant_regression`, `max`) or below it (`min`).
    public var failBeyond: Double
    /// The quantity passes below this (above it for `min`): `failBeyond`, or the indifference margin of `no_significant_regression`.
    public var passWithin: Double
    /// Lower confidence bound of the quantity at the stop.
    public var lower: Double
    /// Upper confidence bound of the quantity at the stop.
    public var upper: Double
    /// Observed mean of the quantity at the stop (nil before any item).
    public var mean: Double?
    /// Items of the slice used.
    public var used: Int
    /// Items of the slice in the baseline (the population).
    public var population: Int
    /// The outcome.
    public var outcome: SequentialOutcome
    /// Items of the slice used when it was decided.
    public var decidedAfter: Int?

    /// `suite · language · metric`.
    public var slice: String { "\(suite) · \(language) · \(metric)" }
}

/// Per suite: the seeded order's size and how much of it was used.
public struct SequentialSuiteUse: Sendable, Hashable {
    /// Suite id.
    public var suite: String
    /// Items the fixed-size gate would send.
    public var planned: Int
    /// Items whose every sample was stored (sent, answered or failed).
    public var used: Int
    /// True when the gate stopped before the last item.
    public var stoppedEarly: Bool

    /// The use of one suite's items.
    public init(suite: String, planned: Int, used: Int, stoppedEarly: Bool) {
        (self.suite, self.planned, self.used, self.stoppedEarly) = (suite, planned, used, stoppedEarly)
    }
}

/// What a sequential gate did: the seed of its item order, the confidence level, items used, and every check's bound.
public struct SequentialSummary: Sendable, Hashable {
    /// Seed of the random item order.
    public var seed: UInt64
    /// Items used per suite.
    public var suites: [SequentialSuiteUse]
    /// Every sequentially tested check.
    public var checks: [SequentialCheckResult]

    /// A summary of a sequential gate.
    public init(seed: UInt64, suites: [SequentialSuiteUse], checks: [SequentialCheckResult]) {
        (self.seed, self.suites, self.checks) = (seed, suites, checks)
    }

    /// Items used over all suites.
    public var used: Int { suites.reduce(0) { $0 + $1.used } }
    /// Items planned over all suites.
    public var planned: Int { suites.reduce(0) { $0 + $1.planned } }
    /// True when any suite stopped before its last item.
    public var stoppedEarly: Bool { suites.contains(where: \.stoppedEarly) }
}

/// The sequential tests of one suite's score checks, fed candidate items in the seeded order as they are stored.
///
/// Thread-safe: `add` is called from the runner's workers. Items are tested in the seeded order, not in the order they
/// finish (a slow item holds back the ones after it), so the order of the values tested depends neither on the
/// suite file's order nor on latencies (a slow, hard item cannot be pushed to the end).
public final class SequentialMonitor: Sendable {
    struct Test {
        var result: SequentialCheckResult
        var cs: BettingConfidenceSequence
        /// True for `min`: failing means the mean is below the limit.
        var failsLow: Bool
        /// Direction of the paired worsening, or nil for a candidate-mean check.
        var direction: MetricDirection?
    }

    struct State {
        var tests: [Test]
        var order: [String]
        var next = 0
        var pending: [String: [ItemRecord]] = [:]
    }

    private let state: Locked<State>
    private let samples: Int
    private let baseline: ItemScores
    /// The suite id.
    public let suite: String

    /// The tests of `suite` against `baseline` with `rules`, for items sent in `order` with `samples` samples each.
    /// Throws a `UsageError` when a checked metric has no known range.
    public init(suite: String, baseline: LoadedRun, order: [String], samples: Int, rules: GateRules) throws {
        self.suite = suite
        self.samples = max(1, samples)
        let scores = ItemScores(baseline.items)
        self.baseline = scores
        let chosen = Set(order)
        var byLanguage: [String: Int] = [:]
        var metrics = Set<String>()
        for (id, lang) in scores.languages where chosen.contains(id) { byLanguage[lang, default: 0] += 1 }
        for (metric, values) in scores.values where values.keys.contains(where: chosen.contains) { metrics.insert(metric) }
        var tests: [Test] = []
        for metric in metrics.sorted() {
            for language in byLanguage.keys.sorted() + ["all"] {
                let population = scores.values[metric]!.keys.filter {
                    chosen.contains($0) && (language == "all" || scores.languages[$0] == language)
                }.count
                guard population > 0 else { continue }
                tests += try Self.tests(suite: suite, language: language, metric: metric, population: population, rules: rules)
            }
        }
        state = Locked(State(tests: tests, order: order))
    }

    /// The sequential tests a slice's limits call for.
    static func tests(suite: String, language: String, metric: String, population: Int, rules: GateRules) throws -> [Test] {
        let l = rules.limits(suite: suite, language: language, metric: metric)
        var checks: [(String, Double, Double, Bool)] = []  // check, failBeyond, passWithin, failsLow
        if let m = l.min { checks.append(("min", m, m, true)) }
        if let m = l.max { checks.append(("max", m, m, false)) }
        if let d = l.maxDrop { checks.append(("max_drop", d, d, false)) }
        if l.noSignificantRegression == true { checks.append(("no_significant_regression", 0, .nan, false)) }
        guard !checks.isEmpty else { return [] }
        guard case .bounded(let lo, let hi) = MetricRegistry.scale(ofMetric: metric) else {
            let names = Set(checks.flatMap { l.source(of: $0.0) }).sorted().joined(separator: ", ")
            throw UsageError("\(CLIFlag.sequential): metric '\(metric)' of suite \(suite) has no known range (its per-item scores are unbounded), "
                + "so no bounded-difference confidence sequence applies to it (checks \(checks.map(\.0).joined(separator: ", ")) from rules \(names)); "
                + "run the gate without \(CLIFlag.sequential), or turn those checks off for that metric in the rules file")
        }
        let alpha = 1 - (l.confidence ?? 0.95)
        let range = hi - lo
        return checks.map { check, fail, pass, low in
            let paired = check == "max_drop" || check == "no_significant_regression"
            let margin = check == "no_significant_regression" ? (l.sequentialMargin ?? GateLimits.defaultSequentialMargin * range) : pass
            // max_drop, min and max hold the suite's own mean (as the fixed-size gate measures it): the population of its
            // items, drawn without replacement. no_significant_regression asks whether the model got worse beyond these
            // items (as the fixed-size gate's paired test does): independent draws.
            let items = check == "no_significant_regression" ? nil : population
            let cs = paired ? BettingConfidenceSequence(low: -range, high: range, alpha: alpha, population: items)
                : BettingConfidenceSequence(low: lo, high: hi, alpha: alpha, population: items)
            var sources = l.source(of: check)
            if check == "no_significant_regression", let s = l.sources["sequential_margin"], !sources.contains(s) { sources.append(s) }
            let result = SequentialCheckResult(suite: suite, language: language, metric: metric, check: check, rules: sources,
                                               quantity: paired ? "worsening" : "candidate mean", failBeyond: fail, passWithin: margin,
                                               lower: paired ? -range : lo, upper: paired ? range : hi, mean: nil, used: 0,
                                               population: population, outcome: .undecided, decidedAfter: nil)
            return Test(result: result, cs: cs, failsLow: low, direction: paired ? MetricRegistry.direction(ofMetric: metric) : nil)
        }
    }

    /// True when the suite has no sequential test (nothing can stop it early).
    public var isEmpty: Bool { state.current.tests.isEmpty }

    /// Takes a stored candidate item (one sample); returns true once the suite's verdict is clear: a regression is
    /// established on some check (decisions never change, so the gate fails whatever the others would show), or every
    /// check is decided.
    @discardableResult
    public func add(_ record: ItemRecord) -> Bool {
        state.withLock { s in
            s.pending[record.itemID, default: []].append(record)
            while s.next < s.order.count, let got = s.pending[s.order[s.next]], got.count >= samples {
                s.pending[s.order[s.next]] = nil
                s.next += 1
                feed(got, into: &s.tests)
            }
            return !s.tests.isEmpty
                && (s.tests.contains { $0.result.outcome == .regression } || s.tests.allSatisfy { $0.result.outcome != .undecided })
        }
    }

    /// Items tested so far (in the seeded order).
    public var used: Int { state.current.next }

    /// The tests as they stand, with their bounds.
    public var results: [SequentialCheckResult] {
        state.current.tests.map { t in
            var r = t.result
            r.used = t.cs.count
            r.mean = t.cs.mean
            r.lower = t.cs.lowerBound
            r.upper = t.cs.upperBound
            return r
        }
    }

    private func feed(_ samples: [ItemRecord], into tests: inout [Test]) {
        let id = samples[0].itemID
        let candidate = ItemScores(samples)
        let language = baseline.languages[id] ?? samples[0].language
        for i in tests.indices where tests[i].result.language == "all" || tests[i].result.language == language {
            let metric = tests[i].result.metric
            guard let base = baseline.values[metric]?[id] else { continue }
            // An endpoint error or an unscored answer is not in the comparison (as in the fixed-size gate).
            guard let cand = candidate.values[metric]?[id] else {
                tests[i].cs.dropFromPopulation()
                continue
            }
            tests[i].cs.add(tests[i].direction.map { $0.worsening(from: base, to: cand) } ?? cand)
            guard tests[i].result.outcome == .undecided else { continue }
            let t = tests[i]
            let outcome = Self.decide(t.cs, failBeyond: t.result.failBeyond, passWithin: t.result.passWithin, failsLow: t.failsLow)
            if outcome != .undecided {
                tests[i].result.outcome = outcome
                tests[i].result.decidedAfter = t.cs.count
            }
        }
    }

    /// The decision of one check: a regression once the bound is beyond `failBeyond` (above it, or below it with
    /// `failsLow`), a pass once it is within `passWithin`, else undecided.
    public static func decide(_ cs: BettingConfidenceSequence, failBeyond: Double, passWithin: Double, failsLow: Bool) -> SequentialOutcome {
        if failsLow ? cs.establishesBelow(failBeyond) : cs.establishesAbove(failBeyond) { return .regression }
        if failsLow ? cs.establishesAbove(passWithin) : cs.establishesBelow(passWithin) { return .pass }
        return .undecided
    }

    /// The first `count` elements of `xs` shuffled with `seed` (Fisher–Yates over SplitMix64), then the rest unchanged.
    public static func order<T>(_ xs: [T], count: Int, seed: UInt64) -> [T] {
        var head = Array(xs.prefix(count))
        var rng = SplitMix64(seed: seed)
        if head.count > 1 {
            for i in stride(from: head.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                head.swapAt(i, j)
            }
        }
        return head + xs.dropFirst(count)
    }
}
