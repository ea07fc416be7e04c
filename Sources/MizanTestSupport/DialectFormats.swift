#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MizanCore

/// A streamed answer laid out as wire events (each already framed as an SSE event or NDJSON line).
struct StreamPlan {
    /// `Content-Type` of the stream.
    var contentType: String
    /// Events before the content (the assistant-role chunk of OpenAI chat); not counted as chunks.
    var preamble: [String]
    /// One event per text chunk.
    var content: [String]
    /// Events after the content: finish chunk, usage chunk, `[DONE]`.
    var final: [String]
}

/// Renders completions and built-in answers in each dialect's wire format.
enum DialectFormats {
    /// Stand-in text the invalid-UTF-8 fault replaces with invalid bytes after rendering.
    static let invalidMarker = "\u{E000}\u{E001}"
    /// The invalid bytes that replace `invalidMarker`: lone continuation bytes, then a truncated 3-byte sequence.
    static let invalidBytes: [UInt8] = [0xFF, 0xFE, 0x80, 0xE2, 0x82]

    /// Replaces every UTF-8 occurrence of `invalidMarker` in `bytes` with `invalidBytes`.
    static func injectInvalidUTF8(_ bytes: [UInt8]) -> [UInt8] {
        let marker = Array(invalidMarker.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == marker[0], i + marker.count <= bytes.count, Array(bytes[i..<i + marker.count]) == marker {
                out.append(contentsOf: invalidBytes)
                i += marker.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// Fields shared by the renderings of one answer.
    struct Context {
        let request: TestRequest
        let completion: TestCompletion
        let id: Int
        let elapsedNanos: Int

        var model: String { request.model ?? "test-model" }
        var promptTokens: Int {
            completion.promptTokens
                ?? TestCompletion.countTokens((request.systemPrompt ?? "") + request.prompt)
        }
        var completionTokens: Int { completion.completionTokens ?? TestCompletion.countTokens(completion.text) }
        var created: Int { Int(wallClockSeconds()) }
        var usage: String {
            "{\"prompt_tokens\":\(promptTokens),\"completion_tokens\":\(completionTokens),"
                + "\"total_tokens\":\(promptTokens + completionTokens)}"
        }
        var finish: String { JSONText.quoted(completion.finishReason) }
        var ollamaCounts: String {
            "\"done_reason\":\(finish),\"total_duration\":\(elapsedNanos),\"load_duration\":0,"
                + "\"prompt_eval_count\":\(promptTokens),\"prompt_eval_duration\":\(elapsedNanos / 2),"
                + "\"eval_count\":\(completionTokens),\"eval_duration\":\(elapsedNanos / 2)"
        }
        var tgiFinish: String {
            JSONText.quoted(completion.finishReason == "stop" ? "eos_token" : completion.finishReason)
        }
        var llamaStopType: String {
            JSONText.quoted(completion.finishReason == "length" ? "limit" : "eos")
        }
    }

    /// The non-streamed JSON body of an answer.
    static func body(_ c: Context, content: String) -> String {
        let text = JSONText.quoted(content)
        switch c.request.dialect {
        case .openAIChat, .other:
            return "{\"id\":\"chatcmpl-test-\(c.id)\",\"object\":\"chat.completion\",\"created\":\(c.created),"
                + "\"model\":\(JSONText.quoted(c.model)),\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\(text)},\"logprobs\":null,\"finish_reason\":\(c.finish)}],\"usage\":\(c.usage)}"
        case .openAICompletions:
            return "{\"id\":\"cmpl-test-\(c.id)\",\"object\":\"text_completion\",\"created\":\(c.created),"
                + "\"model\":\(JSONText.quoted(c.model)),\"choices\":[{\"index\":0,\"text\":\(text),"
                + "\"logprobs\":null,\"finish_reason\":\(c.finish)}],\"usage\":\(c.usage)}"
        case .ollamaChat:
            return "{\"model\":\(JSONText.quoted(c.model)),\"created_at\":\"\(isoNow())\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\(text)},\"done\":true,\(c.ollamaCounts)}"
        case .ollamaGenerate:
            return "{\"model\":\(JSONText.quoted(c.model)),\"created_at\":\"\(isoNow())\","
                + "\"response\":\(text),\"done\":true,\(c.ollamaCounts)}"
        case .llamaCppCompletion:
            return "{\"content\":\(text),\"model\":\(JSONText.quoted(c.model)),\"stop\":true,"
                + "\"stop_type\":\(c.llamaStopType),\"tokens_predicted\":\(c.completionTokens),"
                + "\"tokens_evaluated\":\(c.promptTokens),\"truncated\":false}"
        case .tgiGenerate:
            return "{\"generated_text\":\(text),\"details\":{\"finish_reason\":\(c.tgiFinish),"
                + "\"generated_tokens\":\(c.completionTokens),\"seed\":null}}"
        }
    }

    /// The streamed form of an answer, with `content` already split into chunks.
    static func stream(_ c: Context, chunks: [String]) -> StreamPlan {
        let model = JSONText.quoted(c.model)
        func sse(_ json: String) -> String { "data: " + json + "\n\n" }
        switch c.request.dialect {
        case .openAIChat, .other:
            let head = "{\"id\":\"chatcmpl-test-\(c.id)\",\"object\":\"chat.completion.chunk\",\"created\":\(c.created),\"model\":\(model),"
            func choice(_ delta: String, _ finish: String) -> String {
                sse(head + "\"choices\":[{\"index\":0,\"delta\":\(delta),\"logprobs\":null,\"finish_reason\":\(finish)}]}")
            }
            var final = [choice("{}", c.finish)]
            if c.request.includeUsage { final.append(sse(head + "\"choices\":[],\"usage\":\(c.usage)}")) }
            final.append("data: [DONE]\n\n")
            return StreamPlan(contentType: "text/event-stream",
                              preamble: [choice("{\"role\":\"assistant\",\"content\":\"\"}", "null")],
                              content: chunks.map { choice("{\"content\":\(JSONText.quoted($0))}", "null") },
                              final: final)
        case .openAICompletions:
            let head = "{\"id\":\"cmpl-test-\(c.id)\",\"object\":\"text_completion\",\"created\":\(c.created),\"model\":\(model),"
            func choice(_ text: String, _ finish: String) -> String {
                sse(head + "\"choices\":[{\"index\":0,\"text\":\(JSONText.quoted(text)),\"logprobs\":null,\"finish_reason\":\(finish)}]}")
            }
            var final = [choice("", c.finish)]
            if c.request.includeUsage { final.append(sse(head + "\"choices\":[],\"usage\":\(c.usage)}")) }
            final.append("data: [DONE]\n\n")
            return StreamPlan(contentType: "text/event-stream", preamble: [],
                              content: chunks.map { choice($0, "null") }, final: final)
        case .ollamaChat, .ollamaGenerate:
            let chat = c.request.dialect == .ollamaChat
            func line(_ text: String, done: Bool) -> String {
                let payload = chat ? "\"message\":{\"role\":\"assistant\",\"content\":\(JSONText.quoted(text))}"
                    : "\"response\":\(JSONText.quoted(text))"
                let tail = done ? ",\"done\":true,\(c.ollamaCounts)}" : ",\"done\":false}"
                return "{\"model\":\(model),\"created_at\":\"\(isoNow())\",\(payload)" + tail + "\n"
            }
            return StreamPlan(contentType: "application/x-ndjson", preamble: [],
                              content: chunks.map { line($0, done: false) }, final: [line("", done: true)])
        case .llamaCppCompletion:
            let final = sse("{\"content\":\"\",\"model\":\(model),\"stop\":true,\"stop_type\":\(c.llamaStopType),"
                + "\"tokens_predicted\":\(c.completionTokens),\"tokens_evaluated\":\(c.promptTokens)}")
            return StreamPlan(contentType: "text/event-stream", preamble: [],
                              content: chunks.map { sse("{\"content\":\(JSONText.quoted($0)),\"stop\":false}") },
                              final: [final])
        case .tgiGenerate:
            func token(_ i: Int, _ text: String) -> String {
                "{\"index\":\(i + 1),\"token\":{\"id\":\(i + 1),\"text\":\(JSONText.quoted(text)),\"logprob\":0.0,\"special\":false}"
            }
            let content = chunks.enumerated().map { sse(token($0.offset, $0.element) + ",\"generated_text\":null,\"details\":null}") }
            let whole = JSONText.quoted(chunks.joined())
            let final = sse(token(chunks.count, "") + ",\"generated_text\":\(whole),\"details\":{\"finish_reason\":"
                + "\(c.tgiFinish),\"generated_tokens\":\(c.completionTokens),\"seed\":null}}")
            return StreamPlan(contentType: "text/event-stream", preamble: [], content: content, final: [final])
        }
    }

    /// The built-in answer to a fingerprint path, or nil when the path is not one.
    static func fingerprint(method: String, path: String) -> String? {
        switch (method, path) {
        case ("GET", "/v1/models"), ("GET", "/models"):
            return "{\"object\":\"list\",\"data\":[{\"id\":\"test-model\",\"object\":\"model\",\"created\":0,\"owned_by\":\"mizan-test\"}]}"
        case ("GET", "/props"):
            return "{\"model_path\":\"test-model.gguf\",\"n_ctx\":4096,\"total_slots\":4,\"build_info\":\"mizan-test\","
                + "\"chat_template\":\"\",\"default_generation_settings\":{\"n_ctx\":4096,\"model\":\"test-model.gguf\"}}"
        case ("POST", "/api/show"):
            return "{\"modelfile\":\"\",\"parameters\":\"num_ctx 4096\",\"template\":\"{{ .Prompt }}\","
                + "\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"llama\",\"families\":[\"llama\"],"
                + "\"parameter_size\":\"1B\",\"quantization_level\":\"Q4_0\"},"
                + "\"model_info\":{\"general.architecture\":\"llama\",\"llama.context_length\":4096},\"capabilities\":[\"completion\"]}"
        case ("GET", "/api/tags"):
            return "{\"models\":[{\"name\":\"test-model\",\"model\":\"test-model\",\"size\":0,\"digest\":\"\","
                + "\"details\":{\"format\":\"gguf\",\"family\":\"llama\",\"parameter_size\":\"1B\",\"quantization_level\":\"Q4_0\"}}]}"
        case ("GET", "/api/version"):
            return "{\"version\":\"0.0.0-mizan-test\"}"
        case ("GET", "/info"):
            return "{\"model_id\":\"test-model\",\"max_input_tokens\":4096,\"max_total_tokens\":8192,\"version\":\"0.0.0-mizan-test\"}"
        case ("GET", "/health"):
            return "{\"status\":\"ok\"}"
        default:
            return nil
        }
    }

    /// The JSON error body for a path nobody serves.
    static func notFound(method: String, path: String) -> String {
        "{\"error\":{\"message\":\(JSONText.quoted("no route for \(method) \(path)")),\"type\":\"not_found_error\",\"code\":404}}"
    }

    /// The current UTC time as `2024-05-01T12:00:00.123456Z` (Ollama's `created_at`).
    static func isoNow() -> String { MizanCore.isoNow(fractionDigits: 6) }
}
