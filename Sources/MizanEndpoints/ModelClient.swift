import Foundation
import MizanCore
import MizanTransport

/// Sends prompts to one endpoint through the libcurl engine and turns every outcome, good or bad,
/// into a `ModelResponse`. Endpoint failures become `failure` on the response, never an exception.
public struct ModelClient: Sendable {
    /// The endpoint this client talks to.
    public let config: EndpointConfig
    let engine: CurlEngine
    private let authorization: String?
    let resolvedHeaders: [(String, String)]
    /// Fields added to every generation request as sent but not to the body that is hashed for the response
    /// cache (`requestBody`): server cache hints such as llama.cpp's `cache_prompt`, which change timing, not
    /// answers. A field the endpoint's `params` set is left as configured.
    public var cacheHints: [String: JSONValue] = [:]

    /// Creates a client; reads the API key and secret headers from the environment now, so a
    /// missing variable fails before any request is sent.
    public init(config: EndpointConfig, engine: CurlEngine = .shared,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.config = config
        self.engine = engine
        if let name = config.apiKeyEnv {
            guard let key = environment[name], !key.isEmpty else {
                throw UsageError("endpoint '\(config.name)' reads its API key from $\(name), which is not set; export \(name)=… (the key is never stored)")
            }
            authorization = "Bearer \(key)"
        } else {
            authorization = nil
        }
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        for (name, value) in config.headers.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .literal(let v): headers.append((name, v))
            case .environment(let env):
                guard let v = environment[env] else {
                    throw UsageError("endpoint '\(config.name)': header \(name) reads $\(env), which is not set; export it")
                }
                headers.append((name, v))
            }
        }
        resolvedHeaders = headers
    }

    /// The exact JSON body that would be sent for `prompt` (canonical, for hashing and caching).
    public func requestBody(_ prompt: RenderedPrompt, settings: GenerationSettings) -> [UInt8] {
        Array(Dialect.body(for: prompt, settings: settings, config: config).canonicalJSON.utf8)
    }

    /// `requestBody` plus `cacheHints`: the body actually sent.
    public func sentBody(_ prompt: RenderedPrompt, settings: GenerationSettings, hashed: [UInt8]) -> [UInt8] {
        guard !cacheHints.isEmpty, case .object(var o) = Dialect.body(for: prompt, settings: settings, config: config) else { return hashed }
        for (k, v) in cacheHints where o[k] == nil { o[k] = v }
        return Array(JSONValue.object(o).canonicalJSON.utf8)
    }

    /// Sends one generation request. Throws only `CancellationError`; everything else is recorded.
    public func generate(_ prompt: RenderedPrompt, settings: GenerationSettings) async throws -> ModelResponse {
        try await send(body: requestBody(prompt, settings: settings), maxTokens: settings.maxTokens)
    }

    /// Sends an already-built request body once (see `requestBody`); `fresh` forces a new connection. The
    /// response may be at most `config.responseCap(maxTokens:)` bytes: past it the transfer is aborted (`too_large`).
    public func send(body: [UInt8], maxTokens: Int?, fresh: Bool = false) async throws -> ModelResponse {
        let cap = config.responseCap(maxTokens: maxTokens)
        var request = HTTPRequest(url: config.generationURL, method: "POST", headers: resolvedHeaders,
                                  body: body, timeouts: config.timeouts,
                                  tls: config.tls, proxy: config.proxy, maxResponseBytes: cap)
        request.freshConnection = fresh
        let response: HTTPResponse
        do {
            response = try await engine.send(request)
        } catch let e as TransportError {
            if e.kind == .cancelled { throw CancellationError() }
            var message = e.message
            if e.kind == .tooLarge {
                message = "response larger than the cap of \(cap) bytes (\(config.responseCapReason(maxTokens: maxTokens))); "
                    + "the transfer was aborted there — raise max_response_bytes for this endpoint in mizan.yaml if the answers are legitimate"
            }
            return ModelResponse(text: nil, httpStatus: 0, latency: e.elapsed,
                                 failure: EndpointFailure(kind: ModelClient.kind(of: e.kind), message: message))
        }
        guard (200..<300).contains(response.status) else {
            let snippet = String(decoding: response.body.prefix(300), as: UTF8.self)
            var failure = EndpointFailure(kind: .httpStatus, message: "HTTP \(response.status): \(snippet)")
            if let retry = response.headers["retry-after"] {
                failure.message += " (Retry-After: \(retry))"
                failure.retryAfter = ModelClient.parseRetryAfter(retry)
            }
            return ModelResponse(text: nil, httpStatus: response.status, latency: response.latency, failure: failure,
                                 rawBody: snippet)
        }
        return Dialect.parse(response, config: config)
    }

    /// Sends with the endpoint's retry policy and pacing: retryable failures are retried with
    /// jittered exponential back-off (honouring `Retry-After`), and a 429/503 pauses the whole endpoint.
    public func generate(_ prompt: RenderedPrompt, settings: GenerationSettings, pacer: EndpointPacer?) async throws -> ModelResponse {
        try await send(body: requestBody(prompt, settings: settings), prompt: prompt, settings: settings, pacer: pacer)
    }

    /// `generate(_:settings:pacer:)` with the body already built (so callers can hash it once); `overload` is
    /// called for every 429/503 answer, retried or not (the signal `--concurrency auto` backs off on).
    /// `waitBeforeRetry`, when given, does the wait before a retry instead of a plain sleep (`--concurrency auto`
    /// gives up the request's slot while it waits, so the retry goes out under the limit in force by then).
    public func send(body: [UInt8], prompt: RenderedPrompt, settings: GenerationSettings, pacer: EndpointPacer?,
                     overload: (@Sendable () -> Void)? = nil,
                     waitBeforeRetry: (@Sendable (Double) async throws -> Void)? = nil) async throws -> ModelResponse {
        let estimate = Double(prompt.user.unicodeScalars.count + (prompt.system?.unicodeScalars.count ?? 0)) / 4
            + Double(settings.maxTokens ?? 256)
        var attempt = 0
        while true {
            attempt += 1
            try await pacer?.acquire(tokens: estimate)
            var response = try await send(body: body, maxTokens: settings.maxTokens, fresh: attempt > 1)
            response.attempts = attempt
            if response.httpStatus == 429 || response.httpStatus == 503 { overload?() }
            let policy = config.retry
            guard policy.isRetryable(response), attempt <= policy.maxRetries else { return response }
            let wait = policy.delay(beforeRetry: attempt, retryAfter: response.failure?.retryAfter)
            if response.httpStatus == 429 || response.httpStatus == 503 {
                await pacer?.pause(for: wait)
            }
            if let waitBeforeRetry {
                try await waitBeforeRetry(wait)
            } else {
                try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
    }

    /// `parseRetryAfter`, exposed for tests.
    public static func parseRetryAfterForTests(_ value: String) -> Double? { parseRetryAfter(value) }

    /// Parses `Retry-After`: delta-seconds or an HTTP date.
    static func parseRetryAfter(_ value: String) -> Double? {
        if let s = Double(value.trimmingCharacters(in: .whitespaces)) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }

    static func kind(of k: TransportError.Kind) -> EndpointErrorKind {
        switch k {
        case .connect, .setup: return .connect
        case .timeout: return .timeout
        case .tls: return .tls
        case .transfer: return .transfer
        case .tooLarge: return .tooLarge
        case .cancelled: return .cancelled
        }
    }

    /// Asks the server about itself (`/v1/models`, llama.cpp `/props`, Ollama `/api/show`) and
    /// returns what it said plus the configuration without secrets.
    public func fingerprint() async -> JSONValue {
        var probes: [(String, String, [UInt8]?)] = []
        switch config.kind {
        case .openaiChat, .openaiCompletions:
            probes = [("models", config.apiBase + "/models", nil), ("props", config.serverRoot + "/props", nil)]
        case .ollama:
            let body = try? JSONSerialization.data(withJSONObject: ["model": config.model])
            probes = [("show", config.serverRoot + "/api/show", body.map { [UInt8]($0) })]
        }
        var server: [String: JSONValue] = [:]
        for (label, url, body) in probes {
            let request = HTTPRequest(url: url, method: body == nil ? "GET" : "POST", headers: resolvedHeaders, body: body,
                                      timeouts: Timeouts(connect: config.timeouts.connect, total: 10, stall: 10),
                                      tls: config.tls, proxy: config.proxy, maxResponseBytes: 4 << 20)
            guard let r = try? await engine.send(request), (200..<300).contains(r.status),
                  let value = try? StrictJSON.parse(bytes: r.body) else { continue }
            server[label] = ModelClient.trimFingerprint(value)
        }
        return .object(["config": config.redacted, "server": .object(server)])
    }

    /// Drops bulky fields (Ollama's license/modelfile/tensors, llama.cpp's chat template) from a probe answer.
    static func trimFingerprint(_ value: JSONValue) -> JSONValue {
        guard case .object(var o) = value else { return value }
        for bulky in ["license", "modelfile", "tensors", "template", "chat_template", "model_info"] { o[bulky] = nil }
        return .object(o)
    }
}
