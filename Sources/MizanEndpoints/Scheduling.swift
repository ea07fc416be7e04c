import Foundation
import MizanCore

/// Bounded, jittered exponential retries for retryable failures (connect errors, resets, timeouts,
/// 408/429/5xx); none for the rest (4xx, malformed bodies, TLS).
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (0 disables retrying).
    public var maxRetries: Int
    /// First back-off delay in seconds; doubles each retry.
    public var baseDelay: Double
    /// Upper bound of one back-off delay in seconds.
    public var maxDelay: Double
    /// Upper bound honoured for a server's `Retry-After`, in seconds.
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 3, baseDelay: Double = 0.5, maxDelay: Double = 20, maxRetryAfter: Double = 60) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// HTTP statuses worth retrying.
    public static let retryableStatuses: Set<Int> = [408, 425, 429, 500, 502, 503, 504]

    /// Whether a response's failure is worth another attempt.
    public func isRetryable(_ r: ModelResponse) -> Bool {
        guard let f = r.failure else { return false }
        switch f.kind {
        case .connect, .timeout, .transfer: return true
        case .httpStatus: return RetryPolicy.retryableStatuses.contains(r.httpStatus)
        case .tls, .malformedBody, .tooLarge, .cancelled: return false
        }
    }

    /// Delay before retry number `retry` (1-based): full jitter over the exponential bound, but never
    /// less than the server's `Retry-After` (capped by `maxRetryAfter`).
    public func delay(beforeRetry retry: Int, retryAfter: Double?, random: Double = Double.random(in: 0...1)) -> Double {
        let bound = min(maxDelay, baseDelay * pow(2, Double(retry - 1)))
        let jittered = bound * (0.5 + 0.5 * random)
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maxRetryAfter))
    }

    /// The policy as recorded in run manifests.
    public var manifest: JSONValue {
        .object(["max_retries": .number(Double(maxRetries)), "base_delay": .number(baseDelay),
                 "max_delay": .number(maxDelay), "max_retry_after": .number(maxRetryAfter)])
    }
}

/// Optional request-rate and token-rate limits for an endpoint.
public struct RateLimit: Sendable, Hashable {
    /// Requests per second, if limited.
    public var requestsPerSecond: Double?
    /// Tokens (prompt estimate + max_tokens) per minute, if limited.
    public var tokensPerMinute: Double?

    public init(requestsPerSecond: Double? = nil, tokensPerMinute: Double? = nil) {
        self.requestsPerSecond = requestsPerSecond
        self.tokensPerMinute = tokensPerMinute
    }

    /// The limits as recorded in run manifests.
    public var manifest: JSONValue {
        .object(["requests_per_second": requestsPerSecond.map { .number($0) } ?? .null,
                 "tokens_per_minute": tokensPerMinute.map { .number($0) } ?? .null])
    }
}

/// Paces requests to one endpoint: token buckets for the rate limits, and an adaptive pause that
/// every request honours after a 429/503 (so one overloaded signal slows the whole run, not one item).
public actor EndpointPacer {
    private let limit: RateLimit
    private var requestTokens: Double
    private var tokenTokens: Double
    private var lastRefill: Double
    private var pausedUntil: Double = 0

    /// Creates a pacer for `limit`.
    public init(limit: RateLimit) {
        self.limit = limit
        requestTokens = max(1, limit.requestsPerSecond ?? 1)
        tokenTokens = limit.tokensPerMinute ?? 0
        lastRefill = Self.now()
    }

    static func now() -> Double { monotonicSeconds() }

    /// Seconds the caller must wait before sending a request of about `tokens` tokens (0 = go now);
    /// the capacity is reserved when this returns 0.
    func reserve(tokens: Double) -> Double {
        let now = Self.now()
        if pausedUntil > now { return pausedUntil - now }
        let elapsed = now - lastRefill
        lastRefill = now
        var wait = 0.0
        if let rps = limit.requestsPerSecond {
            requestTokens = min(max(1, rps), requestTokens + elapsed * rps)
            if requestTokens < 1 { wait = max(wait, (1 - requestTokens) / rps) }
        }
        if let tpm = limit.tokensPerMinute {
            let perSecond = tpm / 60
            tokenTokens = min(tpm, tokenTokens + elapsed * perSecond)
            let need = min(tokens, tpm)
            if tokenTokens < need { wait = max(wait, (need - tokenTokens) / perSecond) }
        }
        if wait > 0 { return wait }
        if limit.requestsPerSecond != nil { requestTokens -= 1 }
        if limit.tokensPerMinute != nil { tokenTokens -= min(tokens, limit.tokensPerMinute ?? 0) }
        return 0
    }

    /// `reserve`, exposed for tests.
    public func reserveForTests(tokens: Double) -> Double { reserve(tokens: tokens) }

    /// Waits until a request of about `tokens` tokens may be sent.
    public func acquire(tokens: Double) async throws {
        while true {
            let wait = reserve(tokens: tokens)
            if wait <= 0 { return }
            try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
        }
    }

    /// Pauses every request to this endpoint for `seconds` (after a 429/503).
    public func pause(for seconds: Double) {
        pausedUntil = max(pausedUntil, Self.now() + seconds)
    }
}
