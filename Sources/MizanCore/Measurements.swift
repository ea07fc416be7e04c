/// Why a request to an endpoint did not produce a usable answer.
public enum EndpointErrorKind: String, Sendable, Codable, CaseIterable {
    /// Could not connect (refused, DNS, unreachable).
    case connect
    /// Connect, total or stall timeout.
    case timeout
    /// TLS handshake or certificate failure.
    case tls
    /// The server answered with a non-2xx status.
    case httpStatus = "http_status"
    /// The body could not be parsed as the endpoint kind's response.
    case malformedBody = "malformed_body"
    /// The response body grew past the endpoint's response cap; the transfer was aborted there.
    case tooLarge = "too_large"
    /// The connection broke mid-transfer.
    case transfer
    /// The run was cancelled while the request was in flight.
    case cancelled
}

/// An endpoint failure recorded on an item instead of a score.
public struct EndpointFailure: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Category of failure.
    public var kind: EndpointErrorKind
    /// Human-readable detail (never contains secrets).
    public var message: String
    /// Seconds the server asked to wait (`Retry-After`), if it said.
    public var retryAfter: Double?

    public init(kind: EndpointErrorKind, message: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Token counts reported by the endpoint's `usage` object.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Prompt tokens.
    public var promptTokens: Int?
    /// Generated tokens.
    public var completionTokens: Int?

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// What one request to an endpoint produced, successful or not.
public struct ModelResponse: Sendable, Hashable, Codable {
    /// Generated text exactly as received (nil on failure).
    public var text: String?
    /// HTTP status (0 when no response arrived).
    public var httpStatus: Int
    /// Seconds from sending to the last byte.
    public var latency: Double
    /// Seconds to the first generated token (streaming only).
    public var timeToFirstToken: Double?
    /// Token counts from `usage`.
    public var usage: TokenUsage
    /// `finish_reason` / `done_reason` from the endpoint.
    public var finishReason: String?
    /// Failure, if any; a failed item is never scored.
    public var failure: EndpointFailure?
    /// The raw response body (for audit), possibly truncated to a bound.
    public var rawBody: String?
    /// Requests sent for this item (1 + retries); 0 when the answer was reused.
    public var attempts: Int = 1
    /// True when the answer was reused from the response cache: no request was sent for it in this run, so
    /// it carries no latency, TTFT or retry of its own (latency 0, TTFT nil) and no performance figure counts it.
    public var reused = false
    /// The run in which a reused answer was produced and measured (nil when not reused, or when the answer was
    /// reused before mizan recorded its origin: schema version 6).
    public var reusedFrom: String?

    public init(text: String?, httpStatus: Int, latency: Double, timeToFirstToken: Double? = nil,
                usage: TokenUsage = .init(), finishReason: String? = nil, failure: EndpointFailure? = nil,
                rawBody: String? = nil) {
        self.text = text
        self.httpStatus = httpStatus
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.usage = usage
        self.finishReason = finishReason
        self.failure = failure
        self.rawBody = rawBody
    }
}
