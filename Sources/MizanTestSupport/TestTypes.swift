/// Which model-server protocol a request speaks, decided by method and path.
public enum TestDialect: String, Sendable {
    /// `POST /v1/chat/completions` (OpenAI-compatible chat; vLLM, llama.cpp, TGI also serve it).
    case openAIChat
    /// `POST /v1/completions` (OpenAI-compatible legacy completions).
    case openAICompletions
    /// `POST /api/chat` (Ollama chat; streams NDJSON unless `"stream": false`).
    case ollamaChat
    /// `POST /api/generate` (Ollama generate; streams NDJSON unless `"stream": false`).
    case ollamaGenerate
    /// `POST /completion` (llama.cpp native server).
    case llamaCppCompletion
    /// `POST /generate` and `POST /generate_stream` (Hugging Face text-generation-inference).
    case tgiGenerate
    /// Anything else: fingerprint paths (`/v1/models`, `/props`, …) and unknown paths.
    case other

    /// The dialect served at `method` + `path`.
    public init(method: String, path: String) {
        guard method == "POST" else { self = .other; return }
        switch path {
        case "/v1/chat/completions", "/chat/completions": self = .openAIChat
        case "/v1/completions", "/completions": self = .openAICompletions
        case "/api/chat": self = .ollamaChat
        case "/api/generate": self = .ollamaGenerate
        case "/completion": self = .llamaCppCompletion
        case "/generate", "/generate_stream": self = .tgiGenerate
        default: self = .other
        }
    }

    /// Whether requests of this dialect ask a model for text (and so go through the responder).
    public var isGeneration: Bool { self != .other }
}

/// One parsed HTTP request, as handed to the responder and kept in the server's log.
public struct TestRequest: Sendable {
    /// HTTP method, e.g. `POST`.
    public let method: String
    /// Request path without the query string, e.g. `/v1/chat/completions`.
    public let path: String
    /// The query string without `?`, or empty.
    public let query: String
    /// Request headers with lowercased names (repeated headers joined with `, `).
    public let headers: [String: String]
    /// The request body (chunked bodies already decoded).
    public let body: [UInt8]
    /// The body parsed as JSON, or nil when it is empty or not JSON.
    public let json: TestJSON?
    /// The protocol this request speaks.
    public let dialect: TestDialect
    /// The text the model is asked: the last `user` message for chat dialects, `prompt` for
    /// completions / Ollama generate / llama.cpp, `inputs` for TGI; `""` otherwise.
    public let prompt: String
    /// The system message (chat: all `system` messages joined by newlines; Ollama generate: `system`).
    public let systemPrompt: String?
    /// Whether a streamed answer was requested (`"stream": true`; Ollama streams unless `"stream": false`;
    /// `POST /generate_stream` always streams).
    public let isStreaming: Bool
    /// The `model` field of the body, if any.
    public let model: String?
    /// Whether `stream_options.include_usage` is true (OpenAI streams then end with a usage chunk).
    public let includeUsage: Bool

    /// Builds a request and derives `json`, `dialect`, `prompt` and the other body fields.
    public init(method: String, path: String, query: String = "", headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        let json = body.isEmpty ? nil : TestJSON.parse(body)
        self.json = json
        let dialect = TestDialect(method: method, path: path)
        self.dialect = dialect
        self.model = json?["model"]?.stringValue
        self.includeUsage = json?["stream_options"]?["include_usage"]?.boolValue ?? false
        switch dialect {
        case .openAIChat, .ollamaChat:
            let messages = json?["messages"]?.arrayValue ?? []
            let user = messages.last { $0["role"]?.stringValue == "user" }
            self.prompt = user.map { Self.messageText($0["content"]) } ?? ""
            let systems = messages.filter { $0["role"]?.stringValue == "system" }.map { Self.messageText($0["content"]) }
            self.systemPrompt = systems.isEmpty ? nil : systems.joined(separator: "\n")
        case .openAICompletions, .ollamaGenerate, .llamaCppCompletion:
            let p = json?["prompt"]
            self.prompt = p?.stringValue ?? p?[0]?.stringValue ?? ""
            self.systemPrompt = json?["system"]?.stringValue
        case .tgiGenerate:
            self.prompt = json?["inputs"]?.stringValue ?? ""
            self.systemPrompt = nil
        case .other:
            self.prompt = ""
            self.systemPrompt = nil
        }
        switch dialect {
        case .ollamaChat, .ollamaGenerate: self.isStreaming = json?["stream"]?.boolValue ?? true
        case .tgiGenerate: self.isStreaming = path == "/generate_stream"
        default: self.isStreaming = json?["stream"]?.boolValue ?? false
        }
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// A message `content`: a string, or the `text` of its `{"type":"text"}` parts joined.
    static func messageText(_ content: TestJSON?) -> String {
        if let s = content?.stringValue { return s }
        guard let parts = content?.arrayValue else { return "" }
        return parts.compactMap { $0["text"]?.stringValue }.joined()
    }
}

/// A failure the server can inject instead of a proper answer.
public enum TestFault: Sendable {
    /// Close the socket abruptly (SO_LINGER 0, so the peer sees a TCP reset) without a response.
    case resetConnection
    /// Read the request, then hold the connection open silently until the peer closes or the server stops.
    case neverAnswer
    /// Stream: send the headers and N content chunks, then hold the connection open silently.
    case stallMidStream(afterChunks: Int)
    /// Stream: send N content chunks, then end the HTTP body properly (last chunk) and close the
    /// connection, without the final/finish chunk or `[DONE]`: the HTTP transfer succeeds, the stream is truncated.
    case cutStreamBeforeDone(afterChunks: Int)
    /// Stream: send N content chunks, then close the socket without ending the chunked HTTP body
    /// (curl reports "transfer closed with outstanding read data remaining").
    case dropStreamMidway(afterChunks: Int)
    /// 200 with a body that is not valid JSON (a truncated object; for streams, a `data:` line of garbage).
    case malformedJSON
    /// 200 with a huge valid JSON body of about `bytes` bytes (a long run of `a` as the content), with a Content-Length.
    case enormousBody(bytes: Int)
    /// `enormousBody` sent with chunked framing: the size is not announced, only the bytes show it.
    case enormousChunkedBody(bytes: Int)
    /// 200 JSON (or stream) in the request's dialect whose content contains invalid UTF-8 bytes.
    case invalidUTF8
}

/// What the server answers to one request.
public indirect enum TestReply: Sendable {
    /// A model answer formatted in the request's dialect, streamed when the request asked for it.
    case completion(TestCompletion)
    /// A plain HTTP status with a body (`Content-Type` is JSON when the body starts with `{`, else text),
    /// e.g. `.status(429, body: "{}", headers: ["Retry-After": "1"])`.
    case status(Int, body: String, headers: [String: String] = [:])
    /// An injected failure.
    case fault(TestFault)
    /// Wait `seconds` (interrupted by `stop()`), then reply.
    case delayed(seconds: Double, TestReply)
    /// The server's own answer: the built-in fingerprint reply, 404 for a path it does not know,
    /// 500 for a generation path (only reachable with `routeAllPathsToResponder`).
    case builtin

    /// A completion with `text` and the default finish reason and token counts.
    public static func text(_ text: String) -> TestReply { .completion(TestCompletion(text: text)) }
}

/// A model answer, formatted by the server in the dialect of the request.
public struct TestCompletion: Sendable {
    /// The generated text.
    public var text: String
    /// The finish reason (`stop`, `length`, …); mapped per dialect (Ollama `done_reason`, TGI `eos_token`/`length`).
    public var finishReason: String
    /// Prompt tokens reported in usage; nil means counted: ⌈Unicode scalars of system + prompt ÷ 4⌉.
    public var promptTokens: Int?
    /// Completion tokens reported in usage; nil means counted: ⌈Unicode scalars of `text` ÷ 4⌉.
    public var completionTokens: Int?
    /// Seconds to wait between stream chunks (0 = as fast as possible).
    public var chunkDelay: Double

    /// Creates an answer; token counts default to the counting rule above.
    public init(text: String, finishReason: String = "stop", promptTokens: Int? = nil,
                completionTokens: Int? = nil, chunkDelay: Double = 0) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.chunkDelay = chunkDelay
    }

    /// The default token count of a text: ⌈Unicode scalars ÷ 4⌉ (0 for empty text).
    public static func countTokens(_ text: String) -> Int { (text.unicodeScalars.count + 3) / 4 }

    /// Splits text into stream chunks at word starts, keeping every byte: `"a b  c"` → `["a", " b", "  c"]`.
    public static func streamChunks(_ text: String) -> [String] {
        var chunks: [String] = []
        var current = ""
        var previousWasSpace = true
        for ch in text {
            let isSpace = ch.isWhitespace
            if isSpace, !previousWasSpace, !current.isEmpty {
                chunks.append(current)
                current = ""
            }
            current.append(ch)
            previousWasSpace = isSpace
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
