import Foundation
import MizanMetrics

/// How an interval was computed; printed beside every interval (see docs/statistics.md).
public enum IntervalMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Exact binomial interval: scores only at the scale's two ends, independent items.
    case clopperPearson = "clopper-pearson"
    /// Clopper–Pearson with an effective sample size (Korn & Graubard 1998): bounded scores in between, or clustered.
    case kornGraubard = "korn-graubard"
    /// Student t interval on the mean: scores without an upper bound.
    case studentT = "student-t"
    /// Newcombe's hybrid score interval for a difference of paired proportions (method 10, 1998).
    case newcombe = "newcombe"
    /// No interval: every score (or every difference) is the same value inside the scale, or too few items.
    case notEstimable = "not-estimable"

    /// The short name printed in table notes.
    public var label: String { rawValue }

    /// The methods of a set, sorted and comma-separated (`clopper-pearson, korn-graubard`), or `none`.
    public static func list(_ methods: Set<IntervalMethod>) -> String {
        methods.isEmpty ? "none" : methods.map(\.rawValue).sorted().joined(separator: ", ")
    }
}

extension MeanWithCI {
    /// The method as printed in tables: `clopper-pearson`, or `korn-graubard, 12 clusters`.
    public var methodLabel: String { clusters.map { "\(method.rawValue), \($0) clusters" } ?? method.rawValue }
}

/// One slice's scores with the cluster each belongs to. Items are their own cluster unless the suite
/// declares a cluster field; the samples of one item (`--samples K`) always share a cluster.
public struct ClusteredScores: Sendable {
    /// (cluster number, score) pairs in any order; the numbers only group scores (see `ClusterNumbers`).
    public private(set) var entries: [(cluster: Int, value: Double)] = []

    /// An empty slice.
    public init() {}

    /// Scores with their clusters.
    public init(_ entries: [(cluster: Int, value: Double)]) { self.entries = entries }

    /// Adds one score.
    public mutating func append(_ value: Double, cluster: Int) { entries.append((cluster, value)) }

    /// Number of scores.
    public var count: Int { entries.count }
}

/// Numbers for cluster keys (an item's cluster field value, or its id), so slices keep small integers.
public struct ClusterNumbers: Sendable {
    private var numbers: [String: Int] = [:]
    /// An empty numbering.
    public init() {}
    /// The number of `key`, assigning the next one on first sight.
    public mutating func number(_ key: String) -> Int {
        if let n = numbers[key] { return n }
        let n = numbers.count
        numbers[key] = n
        return n
    }
}

/// Confidence intervals for means and paired differences of per-item scores.
///
/// Every interval is a function of the multiset of (cluster, score) values only: values are sorted
/// before any sum, and no random numbers are drawn, so the same scores give the same interval in
/// `show`, `compare`, `gate`, every export and every slice (a one-language suite's language row
/// equals its `all` row). The methods, their justification and their measured coverage are in
/// docs/statistics.md.
public enum ConfidenceIntervals {
    /// The 95% interval of the mean of `scores` on `scale`.
    public static func mean(_ scores: ClusteredScores, scale: ScoreScale) -> MeanWithCI {
        let groups = Grouped(scores)
        let n = groups.n
        guard n > 0 else { return MeanWithCI(mean: 0, low: nil, high: nil, n: 0, method: .notEstimable) }
        let mean = groups.mean
        let clusters = groups.isClustered ? groups.sums.count : nil
        func result(_ lo: Double?, _ hi: Double?, _ method: IntervalMethod) -> MeanWithCI {
            MeanWithCI(mean: mean, low: lo, high: hi, n: n, method: method, clusters: clusters)
        }
        // Scores outside the declared scale (a metric that broke its range) are treated as unbounded.
        let inScale: Bool = {
            guard case .bounded(let bottom, let top) = scale, let first = groups.sorted.first, let last = groups.sorted.last else { return false }
            return first >= bottom && last <= top
        }()
        guard case .bounded(let bottom, let top) = scale, top > bottom, inScale else {
            guard let se2 = groups.varianceOfMean(), let df = groups.degreesOfFreedom, !groups.isConstant(se2, scale: max(1, abs(mean))) else {
                return result(nil, nil, .notEstimable)
            }
            let half = Distributions.studentTQuantile(0.975, df: df) * se2.squareRoot()
            return result(mean - half, mean + half, .studentT)
        }
        let width = top - bottom
        let u = (mean - bottom) / width
        let atEnds = groups.sorted.allSatisfy { $0 == bottom || $0 == top }
        func back(_ lo: Double, _ hi: Double, _ method: IntervalMethod) -> MeanWithCI {
            result(bottom + lo * width, bottom + hi * width, method)
        }
        if atEnds && (!groups.isClustered || u == 0 || u == 1) {
            // 0/1 data (or clustered data all at one end: then the clusters are the trials, conservatively).
            let trials = groups.isClustered ? Double(groups.sums.count) : Double(n)
            let (lo, hi) = clopperPearson(successes: (u * trials).rounded(), trials: trials)
            return back(lo, hi, .clopperPearson)
        }
        guard let se2 = groups.varianceOfMean(), let df = groups.degreesOfFreedom, !groups.isConstant(se2, scale: width) else {
            return result(nil, nil, .notEstimable)
        }
        let (lo, hi) = kornGraubard(proportion: u, varianceOfMean: se2 / (width * width), df: df)
        return back(lo, hi, .kornGraubard)
    }

    /// Exact (Clopper–Pearson) 95% interval for `successes` of `trials`; non-integer counts are allowed.
    public static func clopperPearson(successes x: Double, trials n: Double) -> (Double, Double) {
        let lo = x <= 0 ? 0 : Distributions.betaQuantile(0.025, x, n - x + 1)
        let hi = x >= n ? 1 : Distributions.betaQuantile(0.975, x + 1, n - x)
        return (lo, hi)
    }

    /// Korn–Graubard interval for a proportion-like mean `p` in (0, 1) with estimated variance of the mean:
    /// Clopper–Pearson at the effective sample size p(1−p)/variance, shrunk by (z / t_df)².
    public static func kornGraubard(proportion p: Double, varianceOfMean v: Double, df: Double) -> (Double, Double) {
        let effective = p * (1 - p) / v
        let t = Distributions.studentTQuantile(0.975, df: df)
        let nStar = effective * pow(Distributions.z975 / t, 2)
        return clopperPearson(successes: p * nStar, trials: nStar)
    }

    /// Wilson score interval (used inside Newcombe's paired interval).
    public static func wilson(successes x: Double, trials n: Double) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let z = Distributions.z975, p = x / n
        let d = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / d
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / d
        return (max(0, centre - half), min(1, centre + half))
    }
}

/// Scores grouped by cluster, with order-independent sums (every sum runs over sorted values).
struct Grouped {
    /// All values, sorted.
    let sorted: [Double]
    /// Per cluster: (sum of its values in sorted order, count), sorted.
    let sums: [(sum: Double, count: Int)]
    /// Whether some cluster holds more than one score.
    let isClustered: Bool

    init(_ scores: ClusteredScores) {
        sorted = scores.entries.map(\.value).sorted()
        // Sorted by (cluster, value): each cluster is one run of entries, its values in order, so its sum is
        // order-independent; no per-cluster arrays are allocated.
        let byCluster = scores.entries.sorted { $0.cluster != $1.cluster ? $0.cluster < $1.cluster : $0.value < $1.value }
        var sums: [(sum: Double, count: Int)] = []
        var start = 0
        while start < byCluster.count {
            var end = start, total = 0.0
            while end < byCluster.count && byCluster[end].cluster == byCluster[start].cluster {
                total += byCluster[end].value
                end += 1
            }
            sums.append((total, end - start))
            start = end
        }
        isClustered = sums.count < scores.entries.count
        sums.sort { (a: (sum: Double, count: Int), b: (sum: Double, count: Int)) -> Bool in
            a.sum != b.sum ? a.sum < b.sum : a.count < b.count
        }
        self.sums = sums
    }

    var n: Int { sorted.count }
    var mean: Double { sorted.reduce(0, +) / Double(max(n, 1)) }

    /// Degrees of freedom of the variance estimate: n − 1, or clusters − 1; nil when below 1.
    var degreesOfFreedom: Double? {
        let df = isClustered ? sums.count - 1 : n - 1
        return df >= 1 ? Double(df) : nil
    }

    /// True when the scores do not vary (all equal, or a variance of the mean at rounding level for `scale`).
    func isConstant(_ varianceOfMean: Double, scale: Double) -> Bool {
        sorted.first == sorted.last || varianceOfMean <= 1e-24 * scale * scale
    }

    /// Estimated variance of the mean: s²/n for independent scores, the cluster-robust (CR1) estimate
    /// G/(G−1) · Σ_g (Y_g − ȳ·n_g)² / n² for clustered ones; nil when it cannot be estimated.
    func varianceOfMean() -> Double? {
        guard degreesOfFreedom != nil else { return nil }
        let m = mean
        if !isClustered {
            let ss = sorted.map { ($0 - m) * ($0 - m) }.sorted().reduce(0, +)
            return ss / Double(n - 1) / Double(n)
        }
        let g = Double(sums.count)
        let ss = sums.map { ($0.sum - m * Double($0.count)) * ($0.sum - m * Double($0.count)) }.sorted().reduce(0, +)
        return g / (g - 1) * ss / (Double(n) * Double(n))
    }
}
