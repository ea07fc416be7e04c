import Foundation
import MizanCore
import MizanText

/// 1 when the normalized output equals any normalized reference, else 0.
public struct ExactMatch: Metric {
    /// Normalization applied to output and references (default l1).
    public let level: NormalizationLevel
    public var name: String { "exact" }
    public var version: String { "exact/1 \(level.rawValue)" }

    public init(spec: MetricSpec) throws { level = try spec.normalizationLevel(default: .l1) }

    public func score(_ input: MetricInput) async throws -> MetricResult {
        let n = Normalizers.make(level, for: input.language)
        let out = n.normalize(input.output)
        let hit = input.references.contains { n.normalize($0) == out }
        return MetricResult(value: hit ? 1 : 0, details: ["normalizer": .string(n.version)])
    }
}

/// 1 when the normalized output contains any normalized reference, else 0.
public struct ContainsMatch: Metric {
    /// Normalization applied to output and references (default l1).
    public let level: NormalizationLevel
    public var name: String { "contains" }
    public var version: String { "contains/1 \(level.rawValue)" }

    public init(spec: MetricSpec) throws { level = try spec.normalizationLevel(default: .l1) }

    public func score(_ input: MetricInput) async throws -> MetricResult {
        let n = Normalizers.make(level, for: input.language)
        let out = n.normalize(input.output)
        let hit = input.references.contains { ref in
            let r = n.normalize(ref)
            return !r.isEmpty && out.range(of: r, options: [.literal]) != nil
        }
        return MetricResult(value: hit ? 1 : 0, details: ["normalizer": .string(n.version)])
    }
}

/// 1 when the (normalized) output matches the suite's `pattern`, or a pattern from the item's references.
public struct RegexMatch: Metric {
    /// Normalization applied to the output before matching (default l0).
    public let level: NormalizationLevel
    /// The pattern from the suite, if any; otherwise each reference is a pattern.
    public let pattern: String?
    public var name: String { "regex" }
    public var version: String { "regex/1 \(level.rawValue)" }

    public init(spec: MetricSpec) throws {
        level = try spec.normalizationLevel(default: .l0)
        pattern = spec.stringOption("pattern")
        if let pattern {
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw MetricConfigError(field: "pattern",
                                        message: "metric 'regex': pattern '\(pattern)' is not a valid regular expression; fix its syntax (ICU regex)")
            }
        }
    }

    public func score(_ input: MetricInput) async throws -> MetricResult {
        let n = Normalizers.make(level, for: input.language)
        let out = n.normalize(input.output)
        let patterns = pattern.map { [$0] } ?? input.references
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p, options: [.caseInsensitive]) else {
                return MetricResult(value: nil, error: "item \(input.itemID): reference '\(p)' is not a valid regular expression")
            }
            if re.firstMatch(in: out, range: NSRange(out.startIndex..., in: out)) != nil {
                return MetricResult(value: 1, details: ["normalizer": .string(n.version)])
            }
        }
        return MetricResult(value: 0, details: ["normalizer": .string(n.version)])
    }
}
