import Foundation
import MizanCore
import MizanYAML

/// Limits a gate applies to a slice; nil means "not checked". Later matching rules override earlier ones field by field.
public struct GateLimits: Sendable, Hashable {
    /// Lowest allowed candidate mean (for metrics where higher is better).
    public var min: Double?
    /// Highest allowed candidate mean (for metrics where lower is better, e.g. TER).
    public var max: Double?
    /// Largest allowed drop of the mean against the baseline, in the metric's units (direction-aware).
    public var maxDrop: Double?
    /// Fail when the candidate is significantly worse at `confidence`.
    public var noSignificantRegression: Bool?
    /// Confidence of the significance check (0.95 → p < 0.05).
    public var confidence: Double?
    /// Largest allowed share of items ending in an endpoint error.
    public var maxErrorRate: Double?
    /// Latency budget: 95th percentile, milliseconds.
    public var latencyP95Ms: Double?
    /// Time-to-first-token budget: 95th percentile, milliseconds (streaming runs).
    public var ttftP95Ms: Double?
    /// Lowest allowed pass^k (every sample right) for 0/1 metrics, with `--samples k`.
    public var minPassAll: Double?
    /// Lowest allowed share of items whose samples agree.
    public var minAgreement: Double?
    /// Lowest allowed human win rate of the candidate over the baseline (wins + half of ties and both-bad, over
    /// judgments; every pairwise study between the two runs pooled; see docs/human-evaluation.md).
    public var minHumanWinRate: Double?
    /// Highest allowed human loss rate of the candidate: the share of judgments preferring the baseline.
    public var maxHumanLossRate: Double?

    /// Check name (`max_drop`, `confidence`, …) → the rule that set it, for reports.
    public var sources: [String: String] = [:]

    public init() {}

    /// The defaults without a rules file: no statistically significant regression at 95% on any slice.
    public static let defaults: GateLimits = {
        var l = GateLimits()
        l.noSignificantRegression = true
        l.confidence = 0.95
        l.sources = ["no_significant_regression": "defaults", "confidence": "defaults"]
        return l
    }()

    /// The rules that set a check's limits (the check's own field, plus `confidence` for significance).
    public func source(of check: String) -> [String] {
        var names = [sources[check] ?? "defaults"]
        if check == "no_significant_regression", let c = sources["confidence"], !names.contains(c) { names.append(c) }
        return names
    }

    /// `other`'s set fields replace these; `name` is recorded as their source.
    func overridden(by other: GateLimits, name: String) -> GateLimits {
        var l = self
        let set: [(String, Bool)] = [("min", other.min != nil), ("max", other.max != nil), ("max_drop", other.maxDrop != nil),
                                     ("no_significant_regression", other.noSignificantRegression != nil),
                                     ("confidence", other.confidence != nil), ("max_error_rate", other.maxErrorRate != nil),
                                     ("latency_p95_ms", other.latencyP95Ms != nil), ("ttft_p95_ms", other.ttftP95Ms != nil),
                                     ("min_pass_all", other.minPassAll != nil), ("min_agreement", other.minAgreement != nil),
                                     ("min_human_win_rate", other.minHumanWinRate != nil), ("max_human_loss_rate", other.maxHumanLossRate != nil)]
        for (key, isSet) in set where isSet { l.sources[key] = name }
        l.min = other.min ?? l.min
        l.max = other.max ?? l.max
        l.maxDrop = other.maxDrop ?? l.maxDrop
        l.noSignificantRegression = other.noSignificantRegression ?? l.noSignificantRegression
        l.confidence = other.confidence ?? l.confidence
        l.maxErrorRate = other.maxErrorRate ?? l.maxErrorRate
        l.latencyP95Ms = other.latencyP95Ms ?? l.latencyP95Ms
        l.ttftP95Ms = other.ttftP95Ms ?? l.ttftP95Ms
        l.minPassAll = other.minPassAll ?? l.minPassAll
        l.minAgreement = other.minAgreement ?? l.minAgreement
        l.minHumanWinRate = other.minHumanWinRate ?? l.minHumanWinRate
        l.maxHumanLossRate = other.maxHumanLossRate ?? l.maxHumanLossRate
        return l
    }
}

/// One rule of a rules file: a scope (suite, language tag, metric; `*` and `?` wildcards) and its limits.
public struct GateRule: Sendable, Hashable {
    /// The rule's name in reports (default `rules[i]`).
    public var name: String
    /// Suite id pattern.
    public var suite: String
    /// Language tag pattern; `all` is the whole-suite slice.
    public var language: String
    /// Metric name pattern.
    public var metric: String
    /// The limits.
    public var limits: GateLimits

    /// True when the rule applies to the slice.
    func matches(suite s: String, language l: String, metric m: String?) -> Bool {
        Self.glob(suite, s) && Self.glob(language, l) && (m == nil || Self.glob(metric, m!))
    }

    /// Shell-style match with `*` and `?`.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == t[ti]) { pi += 1; ti += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// A gate's rules: defaults plus scoped rules, from `gate.yaml` or built in.
public struct GateRules: Sendable {
    /// Limits that apply everywhere before any rule.
    public var defaults: GateLimits
    /// Scoped rules, in file order.
    public var rules: [GateRule]
    /// Where the rules came from (a path, or `built-in defaults`).
    public var source: String

    /// The built-in rules: no significant regression (95%) on any suite × language × metric slice.
    public static let builtIn = GateRules(defaults: .defaults, rules: [], source: "built-in defaults")

    /// The effective limits of a slice; each limit's `sources` entry names the rule that set it.
    ///
    /// The whole-suite slice (`all`) repeats what the language slices already hold, so it is checked only by rules
    /// that name `language: all`; defaults and wildcard rules apply to the language slices.
    public func limits(suite: String, language: String, metric: String?) -> GateLimits {
        if language == "all" {
            return applying(to: GateLimits()) { $0.language == "all" && $0.matches(suite: suite, language: language, metric: metric) }
        }
        return applying(to: defaults) { $0.matches(suite: suite, language: language, metric: metric) }
    }

    /// Limits of suite-level checks (pass^k, agreement, human preference): defaults plus rules for the suite whose language is `*` or `all`.
    public func suiteLimits(suite: String, metric: String?) -> GateLimits {
        applying(to: defaults) { ($0.language == "*" || $0.language == "all") && $0.matches(suite: suite, language: "all", metric: metric) }
    }

    /// `start` overridden, in file order, by every rule that `applies`.
    private func applying(to start: GateLimits, where applies: (GateRule) -> Bool) -> GateLimits {
        rules.filter(applies).reduce(start) { $0.overridden(by: $1.limits, name: $1.name) }
    }

    static let limitKeys: Set<String> = ["min", "max", "max_drop", "no_significant_regression", "confidence", "max_error_rate",
                                         "latency_p95_ms", "ttft_p95_ms", "min_pass_all", "min_agreement", "min_human_win_rate",
                                         "max_human_loss_rate"]

    /// Reads a rules file; unknown keys and bad values are errors with file, line and remedy.
    public static func load(path: String) throws -> GateRules {
        let root = try YAMLValue.load(path: path)
        var errors: [InputError] = root.unknownKeys(allowed: ["version", "defaults", "rules"]).map {
            $0.error("unknown key '\($0.path)'", remedy: "use version, defaults and rules (see README, 'Regression gates')")
        }
        if let v = root["version"], (try? v.int()) != 1 {
            errors.append(v.error("unsupported rules version", remedy: "write `version: 1`"))
        }
        var defaults = GateLimits.defaults
        if let d = root["defaults"] {
            do { defaults = defaults.overridden(by: try parseLimits(d, errors: &errors), name: "defaults") } catch let e as InputError { errors.append(e) }
        }
        var rules: [GateRule] = []
        for (i, r) in (try root["rules"]?.sequence() ?? []).enumerated() {
            errors += r.unknownKeys(allowed: limitKeys.union(["name", "suite", "language", "tag", "metric"])).map {
                $0.error("unknown key '\($0.path)'", remedy: "allowed: name, suite, language, metric and " + limitKeys.sorted().joined(separator: ", "))
            }
            do {
                let limits = try parseLimits(r, errors: &errors)
                rules.append(GateRule(name: try r["name"]?.string() ?? "rules[\(i)]", suite: try r["suite"]?.string() ?? "*",
                                      language: try (r["language"] ?? r["tag"])?.string() ?? "*",
                                      metric: try r["metric"]?.string() ?? "*", limits: limits))
            } catch let e as InputError { errors.append(e) }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        return GateRules(defaults: defaults, rules: rules, source: path)
    }

    static func parseLimits(_ node: YAMLValue, errors: inout [InputError]) throws -> GateLimits {
        _ = try node.mapping()
        var l = GateLimits()
        func number(_ key: String, _ range: ClosedRange<Double>? = nil) -> Double? {
            guard let v = node[key] else { return nil }
            guard let d = try? v.double() else { errors.append(v.error("'\(key)' must be a number", remedy: "e.g. \(key): 0.5")); return nil }
            if let range, !range.contains(d) {
                errors.append(v.error("'\(key)' is \(d), outside \(range.lowerBound)…\(range.upperBound)", remedy: "use a value in that range"))
                return nil
            }
            return d
        }
        l.min = number("min")
        l.max = number("max")
        l.maxDrop = number("max_drop", 0...Double.greatestFiniteMagnitude)
        if let v = node["no_significant_regression"] {
            if let b = try? v.bool() { l.noSignificantRegression = b } else {
                errors.append(v.error("'no_significant_regression' must be true or false", remedy: "write true or false"))
            }
        }
        l.confidence = number("confidence", 0.5...0.9999)
        l.maxErrorRate = number("max_error_rate", 0...1)
        l.latencyP95Ms = number("latency_p95_ms", 0...Double.greatestFiniteMagnitude)
        l.ttftP95Ms = number("ttft_p95_ms", 0...Double.greatestFiniteMagnitude)
        l.minPassAll = number("min_pass_all", 0...1)
        l.minAgreement = number("min_agreement", 0...1)
        l.minHumanWinRate = number("min_human_win_rate", 0...1)
        l.maxHumanLossRate = number("max_human_loss_rate", 0...1)
        return l
    }
}
