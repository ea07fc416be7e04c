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
    public var url: String
    /// Wire protocol.
    public var kind: EndpointKind
    /// Model name sent in each request.
    public var model: String
    /// Name of the environment variable holding the API key (sent as `Authorization: Bearer`).
    public var apiKeyEnv: String?
    /// Extra headers.
    public var headers: [String: HeaderValue]
    /// Stream responses (SSE / NDJSON) to measure time to first token.
    public var stream: Bool
    /// Requests in flight at once.
    public var concurrency: Int
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
    }

    /// The URL requests for generation go to.
    public var generationURL: String {
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
    public var apiBase: String {
        var u = url.hasSuffix("/") ? String(url.dropLast()) : url
        for suffix in ["/chat/completions", "/completions"] where u.hasSuffix(suffix) { u = String(u.dropLast(suffix.count)) }
        if let schemeEnd = u.range(of: "://"), !u[schemeEnd.upperBound...].contains("/") { u += "/v1" }
        return u
    }

    /// `scheme://host:port` with no path.
    public var serverRoot: String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }
        return String(url[..<schemeEnd.upperBound]) + host
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
            "stream": .bool(stream), "concurrency": .number(Double(concurrency)), "headers": .object(h),
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
        switch proxy {
        case .direct: o["proxy"] = .string("direct")
        case .environment: o["proxy"] = .string("env")
        case .url: o["proxy"] = .string("<set>")
        }
        return .object(o)
    }
}
