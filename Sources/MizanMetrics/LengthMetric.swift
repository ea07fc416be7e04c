import MizanCore

/// 1 when the answer was not cut at the length limit, 0 when it was. "Cut" means the endpoint's
/// finish reason is `length` (OpenAI-style, Ollama, TGI, llama.cpp) or `max_tokens` (Anthropic-style).
/// A missing finish reason counts as not cut, and details say it was unknown.
public struct LengthMetric: Metric {
    /// `length`.
    public var name: String { "length" }
    /// `length/1`.
    public var version: String { "length/1" }

    /// Finish reasons that mean the output hit the token limit.
    public static let truncatingReasons: Set<String> = ["length", "max_tokens"]

    /// Takes no options.
    public init(spec: MetricSpec) throws {}

    /// Scores one item: details carry `truncated` and the raw `finishReason`.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        let reason = input.finishReason
        let truncated = reason.map { LengthMetric.truncatingReasons.contains($0.lowercased()) } ?? false
        return MetricResult(value: truncated ? 0 : 1,
                            details: ["truncated": .bool(truncated), "finishReason": reason.map(JSONValue.string) ?? .null])
    }
}
