import MizanCore
import MizanTransport

/// The wire protocol an endpoint speaks.
public enum EndpointKind: String, Sendable, Codable, CaseIterable {
    /// OpenAI-compatible `/v1/chat/completions` (llama.cpp server, vLLM, LM Studio, Mistral, TGI).
    case openaiChat = "openai-chat"
    /// OpenAI-compatible `/v1/completions` (raw prompt; for base models without a chat template).
    case openaiCompletions = "openai-completions"
    /// Ollama's native `/api/chat`.
    case ollama
}

/// A header value: literal text, or the name of an environment variable holding a secret.
public enum HeaderValue: Sendable, Hashable {
    /// Sent as written (recorded in manifests).
    case literal(String)
    /// Read from this environment variable at request time (never recorded).
    case environment(String)
}

/// A named model endpoint, as configured in `mizan.yaml` or given ad hoc with `--endpoint URL`.
public struct EndpointConfig: Sendable, Hashable {
    /// Name used on the command line and in stored runs.
    public var name: String
    /// Base URL (e.g. `http://127.0.0.1:8080/v1`) or a full endpoint URL.
    public var url: String { didSet { generationURL = Self.generationURL(url: url, kind: kind) } }
    /// Wire protocol.
    public var kind: EndpointKind { didSet { generationURL = Self.generationURL(url: url, kind: kind) } }
    /// The URL requests for generation go to (derived from `url` and `kind`).
    public private(set) var generationURL: String
    /// Model name sent in each request.
    public var model: String
    /// Name of the environment variable holding the API key (sent as `Authorization: Bearer`).
    public var apiKeyEnv: String?
    /// Extra headers.
    public var headers: [String: HeaderValue]
    /// Stream responses (SSE / NDJSON) to measure time to first token.
    public var stream: Bool
    /// Requests in flight at once (with `autoConcurrency`, unused: the controller chooses).
    public var concurrency: Int
    /// `concurrency: auto`: the run adapts the requests in flight (`AdaptiveConcurrency`).
    public var autoConcurrency = false
    /// Connect / total / stall timeouts.
    public var timeouts: Timeouts
    /// TLS options.
    public var tls: TLSOptions
    /// Proxy choice (default: direct, ignoring `*_proxy` variables).
    public var proxy: ProxySetting
    /// Extra top-level JSON fields merged into every request body.
    public var params: [String: JSONValue]
    /// Retries for retryable failures.
    public var retry = RetryPolicy()
    /// Optional request/token rate limits.
    public var rateLimit = RateLimit()
    /// Largest response body accepted (`max_response_bytes`); nil: the default cap that follows the request
    /// (`responseCap(maxTokens:)`).
    public var maxResponseBytes: Int?
    /// How likelihood suites are scored on this endpoint (`likelihood:`; default `auto`).
    public var likelihood = LikelihoodSelection.auto

    public init(name: String, url: String, kind: EndpointKind = .openaiChat, model: String = "default",
                apiKeyEnv: String? = nil, headers: [String: HeaderValue] = [:], stream: Bool = false,
                concurrency: Int = 8, timeouts: Timeouts = .init(), tls: TLSOptions = .init(),
                proxy: ProxySetting = .direct, params: [String: JSONValue] = [:]) {
        self.name = name
        self.url = url
        self.kind = kind
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.headers = headers
        self.stream = stream
        self.concurrency = concurrency
        self.timeouts = timeouts
        self.tls = tls
        self.proxy = proxy
        self.params = params
        generationURL = Self.generationURL(url: url, kind: kind)
    }

    static func generationURL(url: String, kind: EndpointKind) -> String {
        let probe = EndpointConfig.Paths(url: url)
        let apiBase = probe.apiBase, serverRoot = probe.serverRoot
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        switch kind {
        case .openaiChat:
            if trimmed.hasSuffix("/chat/completions") { return trimmed }
            return apiBase + "/chat/completions"
        case .openaiCompletions:
            if trimmed.hasSuffix("/completions") && !trimmed.hasSuffix("/chat/completions") { return trimmed }
            return apiBase + "/completions"
        case .ollama:
            if trimmed.hasSuffix("/api/chat") { return trimmed }
            return serverRoot + "/api/chat"
        }
    }

    /// The OpenAI-style API base (`…/v1`).
    public var apiBase: String { Paths(url: url).apiBase }

    /// `scheme://host:port` with no path.
    public var serverRoot: String { Paths(url: url).serverRoot }

    /// URL arithmetic shared by the derived properties.
    struct Paths {
        let url: String

        var apiBase: String {
            var u = url.hasSuffix("/") ? String(url.dropLast()) : url
            for suffix in ["/chat/completions", "/completions"] where u.hasSuffix(suffix) { u = String(u.dropLast(suffix.count)) }
            if let schemeEnd = u.range(of: "://"), !u[schemeEnd.upperBound...].contains("/") { u += "/v1" }
            return u
        }

        var serverRoot: String {
            guard let schemeEnd = url.range(of: "://") else { return url }
            let rest = url[schemeEnd.upperBound...]
            let host = rest.prefix { $0 != "/" }
            return String(url[..<schemeEnd.upperBound]) + host
        }
    }

    /// The configuration as recorded in a run: header values from the environment and the API key
    /// are never included, only the variable names.
    public var redacted: JSONValue {
        var h: [String: JSONValue] = [:]
        for (k, v) in headers {
            switch v {
            case .literal: h[k] = .string("<set>")
            case .environment(let name): h[k] = .string("<from $\(name)>")
            }
        }
        var o: [String: JSONValue] = [
            "name": .string(name), "url": .string(url), "kind": .string(kind.rawValue), "model": .string(model),
            "stream": .bool(stream), "concurrency": autoConcurrency ? .string("auto") : .number(Double(concurrency)), "headers": .object(h),
            "timeouts": .object(["connect": .number(timeouts.connect),
                                 "total": timeouts.total.map { .number($0) } ?? .null,
                                 "stall": timeouts.stall.map { .number($0) } ?? .null]),
            "tls": .object(["ca_bundle": tls.caBundle.map { .string($0) } ?? .null,
                            "client_cert": tls.clientCert.map { .string($0) } ?? .null,
                            "insecure": .bool(tls.insecure)]),
            "params": .object(params),
            "retries": retry.manifest,
            "rate_limit": rateLimit.manifest,
        ]
        if let apiKeyEnv { o["api_key_env"] = .string(apiKeyEnv) }
        if let maxResponseBytes { o["max_response_bytes"] = .number(Double(maxResponseBytes)) }
        switch proxy {
        case .direct: o["proxy"] = .string("direct")
        case .environment: o["proxy"] = .string("env")
        case .url: o["proxy"] = .string("<set>")
        }
        return .object(o)
    }
}

extension EndpointConfig {
    /// Fixed part of the default response cap: room for the JSON envelope, usage and error bodies.
    public static let responseCapAllowance = 1 << 20
    /// Bytes allowed per requested token: a streamed token costs one SSE/NDJSON event of ~150–300 bytes,
    /// so 1 KiB is several times what a well-behaved answer needs.
    public static let responseCapPerToken = 1 << 10
    /// `max_tokens` assumed when a request sets none (the server then decides how long the answer is).
    public static let responseCapDefaultTokens = 8192

    /// The largest response body accepted for a request asking for `maxTokens` tokens: `max_response_bytes`
    /// when configured, else 1 MiB + 1 KiB × max_tokens (the max_tokens the request carries: the endpoint's
    /// `params`, which override the suite's, else the suite's, else 8192). A body crossing it aborts the transfer with error kind `too_large`.
    public func responseCap(maxTokens: Int?) -> Int {
        if let maxResponseBytes { return maxResponseBytes }
        return Self.responseCapAllowance + Self.responseCapPerToken * max(0, capTokens(maxTokens))
    }

    /// How the cap for `maxTokens` was chosen, for error messages.
    public func responseCapReason(maxTokens: Int?) -> String {
        if maxResponseBytes != nil { return "max_response_bytes of endpoint '\(name)'" }
        return "default 1 MiB + 1 KiB × max_tokens \(capTokens(maxTokens))\(maxTokens == nil && paramsMaxTokens == nil ? " (the request sets none)" : "")"
    }

    private var paramsMaxTokens: Int? {
        let v = params["max_tokens"]?.doubleValue ?? params["options"]?["num_predict"]?.doubleValue
        return v.flatMap { $0.isFinite && $0 >= 0 && $0 < 1e9 ? Int($0) : nil }
    }

    private func capTokens(_ maxTokens: Int?) -> Int {
        min(paramsMaxTokens ?? maxTokens ?? Self.responseCapDefaultTokens, 1 << 30 / Self.responseCapPerToken)
    }
}
