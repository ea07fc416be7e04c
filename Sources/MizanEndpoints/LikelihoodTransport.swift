import Foundation
import MizanCore
import MizanTransport

/// One JSON exchange with an endpoint: status, parsed body, or why nothing usable arrived.
struct JSONExchange: Sendable {
    /// HTTP status (0 when no response arrived).
    var status: Int
    /// The parsed body, when it was JSON.
    var json: JSONValue?
    /// The body's first bytes as text (for evidence and errors; never headers, so never secrets).
    var snippet: String
    /// Transport failure text, when no response arrived.
    var transportError: String?
    /// Whether the failure is worth retrying (connect, timeout, broken transfer, 408/429/5xx).
    var retryable: Bool
    /// Seconds the server asked to wait, if it said.
    var retryAfter: Double?

    /// One line saying what came back.
    var summary: String {
        if let transportError { return "no answer (\(transportError))" }
        return "HTTP \(status): \(snippet.prefix(160))"
    }
}

extension ModelClient {
    /// Sends one JSON request (POST with `body`, else GET) with the endpoint's headers, TLS, proxy and
    /// timeouts (`timeouts` overrides them); no retries. Throws only `CancellationError`.
    func exchange(url: String, body: JSONValue?, timeouts: Timeouts? = nil, fresh: Bool = false) async throws -> JSONExchange {
        var request = HTTPRequest(url: url, method: body == nil ? "GET" : "POST", headers: resolvedHeaders,
                                  body: body.map { Array($0.canonicalJSON.utf8) }, timeouts: timeouts ?? config.timeouts,
                                  tls: config.tls, proxy: config.proxy)
        request.freshConnection = fresh
        do {
            let r = try await engine.send(request)
            let snippet = String(decoding: r.body.prefix(300), as: UTF8.self)
            return JSONExchange(status: r.status, json: try? StrictJSON.parse(bytes: r.body), snippet: snippet,
                                transportError: nil, retryable: RetryPolicy.retryableStatuses.contains(r.status),
                                retryAfter: r.headers["retry-after"].flatMap(ModelClient.parseRetryAfter))
        } catch let e as TransportError {
            if e.kind == .cancelled { throw CancellationError() }
            return JSONExchange(status: 0, json: nil, snippet: "", transportError: e.description,
                                retryable: [.connect, .timeout, .transfer].contains(e.kind), retryAfter: nil)
        }
    }

    /// `exchange` with the endpoint's retry policy and pacing; returns the JSON of a 2xx answer, else throws
    /// a `LikelihoodError` naming the endpoint and what came back.
    func postJSON(url: String, body: JSONValue, pacer: EndpointPacer? = nil) async throws -> JSONValue {
        var attempt = 0
        while true {
            attempt += 1
            try await pacer?.acquire(tokens: 1)
            let answer = try await exchange(url: url, body: body, fresh: attempt > 1)
            if (200..<300).contains(answer.status) {
                guard let json = answer.json else {
                    throw LikelihoodError(.malformedAnswer, "endpoint '\(config.name)' answered \(url) with a body that is not JSON: "
                        + "\(answer.snippet.prefix(160))", remedy: "check that the URL points at a model server")
                }
                return json
            }
            guard answer.retryable, attempt <= config.retry.maxRetries else {
                let remedy = answer.status == 404
                    ? "this endpoint does not serve \(url); run `\(CLICommand.probe) \(CLIFlag.endpoint) \(config.name)` to see what it can do"
                    : "check the server (its log says more) and retry"
                throw LikelihoodError(.endpoint, "endpoint '\(config.name)' \(url): \(answer.summary)", remedy: remedy)
            }
            let wait = config.retry.delay(beforeRetry: attempt, retryAfter: answer.retryAfter)
            if answer.status == 429 || answer.status == 503 { await pacer?.pause(for: wait) }
            try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
        }
    }
}

/// Small readers for JSON answers.
extension JSONValue {
    /// The elements, if this is an array.
    var arrayElements: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The value as an exact integer, if it is one.
    var exactInt: Int? { doubleValue.flatMap { Int(exactly: $0) } }
    /// The members, if this is an object.
    var members: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
}
