import Foundation
import MizanCore
import MizanTransport

/// A prompt ready to send: an optional system message and the user turn.
public struct RenderedPrompt: Sendable, Hashable {
    /// System message (chat kinds), or text placed before the prompt (completions).
    public var system: String?
    /// The user turn or raw prompt.
    public var user: String
    /// Earlier turns (few-shot examples, conversation history), sent before `user`.
    public var history: [ChatTurn]
    /// Text between turns when the conversation is flattened for a completions endpoint.
    public var separator: String

    public init(system: String? = nil, user: String, history: [ChatTurn] = [], separator: String = "\n\n") {
        self.system = system
        self.user = user
        self.history = history
        self.separator = separator
    }

    /// The conversation as one prompt for completion endpoints: system, then each earlier user turn
    /// followed by its answer, then the final turn.
    public var flattened: String {
        var parts: [String] = []
        if let system { parts.append(system) }
        var pending: String?
        for turn in history {
            switch turn.role {
            case "assistant":
                parts.append((pending.map { $0 + " " } ?? "") + turn.content)
                pending = nil
            default:
                if let p = pending { parts.append(p) }
                pending = turn.content
            }
        }
        if let p = pending { parts.append(p) }
        parts.append(user)
        return parts.joined(separator: separator)
    }
}

/// Builds request bodies and parses responses for each endpoint kind.
enum Dialect {
    static func body(for prompt: RenderedPrompt, settings: GenerationSettings, config: EndpointConfig) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(config.model)]
        switch config.kind {
        case .openaiChat, .ollama:
            var messages: [JSONValue] = []
            if let s = prompt.system { messages.append(.object(["role": .string("system"), "content": .string(s)])) }
            for turn in prompt.history {
                messages.append(.object(["role": .string(turn.role), "content": .string(turn.content)]))
            }
            messages.append(.object(["role": .string("user"), "content": .string(prompt.user)]))
            body["messages"] = .array(messages)
        case .openaiCompletions:
            body["prompt"] = .string(prompt.flattened)
        }
        var sampling: [String: JSONValue] = [:]
        if let m = settings.maxTokens { sampling[config.kind == .ollama ? "num_predict" : "max_tokens"] = .number(Double(m)) }
        if let t = settings.temperature { sampling["temperature"] = .number(t) }
        if let p = settings.topP { sampling["top_p"] = .number(p) }
        if !settings.stop.isEmpty { sampling["stop"] = .array(settings.stop.map { .string($0) }) }
        if let s = settings.seed { sampling["seed"] = .number(Double(s)) }
        switch config.kind {
        case .openaiChat, .openaiCompletions:
            body.merge(sampling) { _, new in new }
            body["stream"] = .bool(config.stream)
            if config.stream { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        case .ollama:
            body["options"] = .object(sampling)
            body["stream"] = .bool(config.stream)
        }
        for (k, v) in config.params { body[k] = v }
        return .object(body)
    }

    /// Parses a 2xx response body into text, usage and finish reason (strict JSON: mizan's own
    /// parser, several times faster than Foundation's here and stricter about what a server may send).
    static func parse(_ response: HTTPResponse, config: EndpointConfig) -> ModelResponse {
        var result = ModelResponse(text: nil, httpStatus: response.status, latency: response.latency)
        do {
            if config.stream {
                try parseStream(response, kind: config.kind, into: &result)
            } else {
                guard case .object(let json) = try parseJSON(response.body) else {
                    throw EndpointFailure(kind: .malformedBody, message: "response is not a JSON object")
                }
                try apply(json, kind: config.kind, streaming: false, into: &result)
            }
            if result.text == nil {
                throw EndpointFailure(kind: .malformedBody, message: "response has no generated text where \(config.kind.rawValue) puts it")
            }
        } catch let f as EndpointFailure {
            result.failure = f
            result.text = nil
        } catch {
            result.failure = EndpointFailure(kind: .malformedBody, message: "response body is not valid JSON (\(response.body.count) bytes)")
            result.text = nil
        }
        // The raw body is kept (and stored) only when something went wrong, to show what came back.
        if result.failure != nil { result.rawBody = String(decoding: response.body.prefix(1 << 20), as: UTF8.self) }
        return result
    }

    /// Folds one JSON object (whole response, SSE event or NDJSON line) into `result`. Returns true if it carried text.
    @discardableResult
    static func apply(_ json: [String: JSONValue], kind: EndpointKind, streaming: Bool, into result: inout ModelResponse) throws -> Bool {
        func string(_ v: JSONValue?) -> String? { if case .string(let s)? = v { return s } else { return nil } }
        func int(_ v: JSONValue?) -> Int? { if case .number(let d)? = v { return Int(exactly: d) } else { return nil } }
        if let err = json["error"] {
            let message = string(err["message"]) ?? string(err) ?? err.canonicalJSON
            throw EndpointFailure(kind: .malformedBody, message: "endpoint reported an error: \(message.prefix(200))")
        }
        var piece: String?
        switch kind {
        case .openaiChat, .openaiCompletions:
            if case .array(let choices)? = json["choices"], let choice = choices.first, case .object = choice {
                if kind == .openaiChat {
                    piece = string(choice[streaming ? "delta" : "message"]?["content"])
                } else {
                    piece = string(choice["text"])
                }
                if let f = string(choice["finish_reason"]) { result.finishReason = f }
            }
            if let usage = json["usage"] {
                if let p = int(usage["prompt_tokens"]) { result.usage.promptTokens = p }
                if let c = int(usage["completion_tokens"]) { result.usage.completionTokens = c }
            }
        case .ollama:
            piece = string(json["message"]?["content"])
            if let r = string(json["done_reason"]) { result.finishReason = r }
            if let p = int(json["prompt_eval_count"]) { result.usage.promptTokens = p }
            if let c = int(json["eval_count"]) { result.usage.completionTokens = c }
        }
        guard let piece else { return false }
        result.text = (result.text ?? "") + piece
        return !piece.isEmpty
    }

    /// Strict JSON of a response body or event; invalid UTF-8 anywhere makes it malformed.
    static func parseJSON(_ bytes: [UInt8]) throws -> JSONValue {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw EndpointFailure(kind: .malformedBody, message: "response body is not valid UTF-8 (\(bytes.count) bytes)")
        }
        return try StrictJSON.parse(bytes: bytes)
    }

    static func parseStream(_ response: HTTPResponse, kind: EndpointKind, into result: inout ModelResponse) throws {
        let body = response.body
        var finished = false
        var lineStart = 0
        var sawEvent = false
        for i in 0...body.count {
            guard i == body.count || body[i] == UInt8(ascii: "\n") else { continue }
            var line = body[lineStart..<i]
            let offset = lineStart
            lineStart = i + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            var payload: ArraySlice<UInt8>
            if kind == .ollama {
                payload = line
            } else {
                guard line.starts(with: Array("data:".utf8)) else { continue } // comments, event:, id:
                payload = line.dropFirst(5)
                while payload.first == UInt8(ascii: " ") { payload = payload.dropFirst() }
                if payload.elementsEqual("[DONE]".utf8) { finished = true; continue }
            }
            guard case .object(let json) = try parseJSON(Array(payload)) else {
                throw EndpointFailure(kind: .malformedBody, message: "stream event is not a JSON object")
            }
            sawEvent = true
            if result.text == nil { result.text = "" }
            if try apply(json, kind: kind, streaming: true, into: &result), result.timeToFirstToken == nil {
                result.timeToFirstToken = response.arrivalTime(ofByte: offset)
            }
            if kind == .ollama, json["done"] == .bool(true) { finished = true }
        }
        if !sawEvent {
            throw EndpointFailure(kind: .malformedBody, message: "streaming response carried no events")
        }
        if !finished {
            throw EndpointFailure(kind: .transfer, message: "stream ended before its final event (no [DONE] / done:true)")
        }
    }
}
