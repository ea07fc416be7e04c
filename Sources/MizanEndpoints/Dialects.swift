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

    /// Parses a 2xx response body into text, usage and finish reason.
    static func parse(_ response: HTTPResponse, config: EndpointConfig) -> ModelResponse {
        var result = ModelResponse(text: nil, httpStatus: response.status, latency: response.latency)
        result.rawBody = String(decoding: response.body.prefix(1 << 20), as: UTF8.self)
        do {
            if config.stream {
                try parseStream(response, kind: config.kind, into: &result)
            } else {
                guard let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
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
        return result
    }

    /// Folds one JSON object (whole response, SSE event or NDJSON line) into `result`. Returns true if it carried text.
    @discardableResult
    static func apply(_ json: [String: Any], kind: EndpointKind, streaming: Bool, into result: inout ModelResponse) throws -> Bool {
        if let err = json["error"] {
            let message = (err as? [String: Any])?["message"] as? String ?? String(describing: err)
            throw EndpointFailure(kind: .malformedBody, message: "endpoint reported an error: \(message.prefix(200))")
        }
        var piece: String?
        switch kind {
        case .openaiChat, .openaiCompletions:
            if let choice = (json["choices"] as? [[String: Any]])?.first {
                if kind == .openaiChat {
                    let message = (streaming ? choice["delta"] : choice["message"]) as? [String: Any]
                    piece = message?["content"] as? String
                } else {
                    piece = choice["text"] as? String
                }
                if let f = choice["finish_reason"] as? String { result.finishReason = f }
            }
            if let usage = json["usage"] as? [String: Any] {
                if let p = usage["prompt_tokens"] as? Int { result.usage.promptTokens = p }
                if let c = usage["completion_tokens"] as? Int { result.usage.completionTokens = c }
            }
        case .ollama:
            piece = (json["message"] as? [String: Any])?["content"] as? String
            if let r = json["done_reason"] as? String { result.finishReason = r }
            if let p = json["prompt_eval_count"] as? Int { result.usage.promptTokens = p }
            if let c = json["eval_count"] as? Int { result.usage.completionTokens = c }
        }
        guard let piece else { return false }
        result.text = (result.text ?? "") + piece
        return !piece.isEmpty
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
            guard let json = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
                throw EndpointFailure(kind: .malformedBody, message: "stream event is not a JSON object")
            }
            sawEvent = true
            if result.text == nil { result.text = "" }
            if try apply(json, kind: kind, streaming: true, into: &result), result.timeToFirstToken == nil {
                result.timeToFirstToken = response.arrivalTime(ofByte: offset)
            }
            if kind == .ollama, json["done"] as? Bool == true { finished = true }
        }
        if !sawEvent {
            throw EndpointFailure(kind: .malformedBody, message: "streaming response carried no events")
        }
        if !finished {
            throw EndpointFailure(kind: .transfer, message: "stream ended before its final event (no [DONE] / done:true)")
        }
    }
}
