import Foundation
import MizanTestSupport
import Testing

/// What one `curl` run produced.
struct CurlResult {
    let exitCode: Int32
    let stdout: [UInt8]
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
    var json: TestJSON? { TestJSON.parse(stdout) }
}

/// Runs the curl CLI (no proxies, silent but showing errors) and waits for it.
func runCurl(_ arguments: [String]) throws -> CurlResult {
    let process = try startCurl(arguments)
    let out = process.standardOutputPipe.fileHandleForReading.readDataToEndOfFile()
    let err = process.standardErrorPipe.fileHandleForReading.readDataToEndOfFile()
    process.process.waitUntilExit()
    return CurlResult(exitCode: process.process.terminationStatus, stdout: Array(out),
                      stderr: String(decoding: err, as: UTF8.self))
}

/// A started curl process with its pipes.
struct CurlProcess {
    let process: Process
    let standardOutputPipe: Pipe
    let standardErrorPipe: Pipe
}

/// Starts the curl CLI without waiting for it.
func startCurl(_ arguments: [String]) throws -> CurlProcess {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--noproxy", "*"] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return CurlProcess(process: process, standardOutputPipe: out, standardErrorPipe: err)
}

/// The JSON payloads of the `data:` lines of an SSE body (`[DONE]` kept as the string "[DONE]").
func sseEvents(_ body: String) -> [String] {
    body.components(separatedBy: "\n\n").compactMap { event in
        event.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }
}

/// A chat request body.
func chatBody(_ prompt: String, stream: Bool? = nil, system: String? = nil, usage: Bool = false) -> String {
    var messages: [String] = []
    if let system { messages.append("{\"role\":\"system\",\"content\":\(quoteJSON(system))}") }
    messages.append("{\"role\":\"user\",\"content\":\(quoteJSON(prompt))}")
    var body = "{\"model\":\"tiny\",\"messages\":[\(messages.joined(separator: ","))]"
    if let stream { body += ",\"stream\":\(stream)" }
    if usage { body += ",\"stream_options\":{\"include_usage\":true}" }
    return body + "}"
}

/// `s` as a JSON string literal.
func quoteJSON(_ s: String) -> String {
    let data = try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    let array = String(decoding: data ?? Data(), as: UTF8.self)
    return String(array.dropFirst().dropLast())
}

/// An echo server: answers every generation request with its prompt.
func echoServer() throws -> TestHTTPServer {
    try TestHTTPServer { .completion(TestCompletion(text: $0.prompt)) }
}

let multilingual = "مرحبا بالعالم، ⵜⴰⵎⴰⵣⵉⵖⵜ ⴰⵎⵇⵔⴰⵏ — café  naïve\tend 👋🏽"

@Suite(.timeLimit(.minutes(5))) struct TestServerTests {
    @Test func chatCompletionJSON() throws {
        let server = try echoServer()
        defer { server.stop() }
        let r = try runCurl(["\(server.baseURL)/v1/chat/completions", "-H", "Content-Type: application/json",
                             "-d", chatBody(multilingual, system: "Be brief.")])
        #expect(r.exitCode == 0)
        let json = try #require(r.json)
        #expect(json["object"]?.stringValue == "chat.completion")
        #expect(json["model"]?.stringValue == "tiny")
        #expect(json["choices"]?[0]?["message"]?["content"]?.stringValue == multilingual)
        #expect(json["choices"]?[0]?["finish_reason"]?.stringValue == "stop")
        let usage = try #require(json["usage"])
        #expect(usage["completion_tokens"]?.intValue == TestCompletion.countTokens(multilingual))
        #expect(usage["total_tokens"]?.intValue == (usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0))
        let request = try #require(server.requests.last)
        #expect(request.dialect == .openAIChat)
        #expect(request.prompt == multilingual)
        #expect(request.systemPrompt == "Be brief.")
        #expect(request.model == "tiny")
        #expect(!request.isStreaming)
        #expect(request.headers["content-type"] == "application/json")
    }

    @Test func chatStreamReassemblesExactText() throws {
        let server = try echoServer()
        defer { server.stop() }
        let r = try runCurl(["-N", "-i", "\(server.baseURL)/v1/chat/completions", "-d", chatBody(multilingual, stream: true, usage: true)])
        #expect(r.exitCode == 0)
        #expect(r.text.lowercased().contains("content-type: text/event-stream"))
        let events = sseEvents(r.text)
        #expect(events.last == "[DONE]")
        let chunks = events.dropLast().compactMap { TestJSON.parse($0) }
        let text = chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == multilingual)
        #expect(chunks.count >= 5)
        #expect(chunks.contains { $0["choices"]?[0]?["finish_reason"]?.stringValue == "stop" })
        #expect(chunks.last?["usage"]?["completion_tokens"]?.intValue == TestCompletion.countTokens(multilingual))
        #expect(server.requests.last?.isStreaming == true)
        #expect(server.requests.last?.includeUsage == true)
    }

    @Test func completionsPlainAndStreamed() throws {
        let server = try TestHTTPServer { _ in .completion(TestCompletion(text: "one two three", finishReason: "length")) }
        defer { server.stop() }
        let plain = try runCurl(["\(server.baseURL)/v1/completions", "-d", "{\"model\":\"m\",\"prompt\":\"count\"}"])
        #expect(plain.json?["choices"]?[0]?["text"]?.stringValue == "one two three")
        #expect(plain.json?["choices"]?[0]?["finish_reason"]?.stringValue == "length")
        #expect(plain.json?["usage"]?["prompt_tokens"]?.intValue == 2)
        #expect(server.requests.last?.prompt == "count")
        let streamed = try runCurl(["-N", "\(server.baseURL)/v1/completions", "-d", "{\"prompt\":\"count\",\"stream\":true}"])
        let events = sseEvents(streamed.text)
        #expect(events.last == "[DONE]")
        let text = events.dropLast().compactMap { TestJSON.parse($0)?["choices"]?[0]?["text"]?.stringValue }.joined()
        #expect(text == "one two three")
        #expect(!events.contains { $0.contains("usage") })
    }

    @Test func ollamaChatNDJSONAndPlain() throws {
        let server = try echoServer()
        defer { server.stop() }
        let body = "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\(quoteJSON(multilingual))}]}"
        let r = try runCurl(["-N", "-i", "\(server.baseURL)/api/chat", "-d", body])
        #expect(r.text.lowercased().contains("content-type: application/x-ndjson"))
        let payload = try #require(r.text.components(separatedBy: "\r\n\r\n").last)
        let lines = payload.split(separator: "\n").compactMap { TestJSON.parse(String($0)) }
        #expect(lines.count >= 3)
        #expect(lines.dropLast().allSatisfy { $0["done"]?.boolValue == false })
        #expect(lines.map { $0["message"]?["content"]?.stringValue ?? "" }.joined() == multilingual)
        let last = try #require(lines.last)
        #expect(last["done"]?.boolValue == true)
        #expect(last["done_reason"]?.stringValue == "stop")
        #expect(last["eval_count"]?.intValue == TestCompletion.countTokens(multilingual))
        #expect(last["prompt_eval_count"]?.intValue != nil)
        #expect(server.requests.last?.isStreaming == true)

        let plainBody = "{\"model\":\"llama3\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
        let plain = try runCurl(["\(server.baseURL)/api/chat", "-d", plainBody])
        #expect(plain.json?["message"]?["content"]?.stringValue == "hi")
        #expect(plain.json?["done"]?.boolValue == true)
        #expect(plain.json?["model"]?.stringValue == "llama3")
    }

    @Test func fingerprintsAndNotFound() throws {
        let server = try TestHTTPServer { _ in .status(500, body: "{}") }
        defer { server.stop() }
        let models = try runCurl(["\(server.baseURL)/v1/models"])
        #expect(models.json?["data"]?[0]?["id"]?.stringValue == "test-model")
        #expect(try runCurl(["\(server.baseURL)/props"]).json?["n_ctx"]?.intValue == 4096)
        #expect(try runCurl(["\(server.baseURL)/api/show", "-d", "{\"model\":\"m\"}"]).json?["details"] != nil)
        #expect(try runCurl(["\(server.baseURL)/health"]).json?["status"]?.stringValue == "ok")
        let missing = try runCurl(["-w", "\n%{http_code}", "\(server.baseURL)/no/such/path?x=1"])
        #expect(missing.text.hasSuffix("\n404"))
        #expect(missing.text.contains("not_found_error"))
        #expect(server.requests.last?.path == "/no/such/path")
        #expect(server.requests.last?.query == "x=1")
    }

    @Test func routeAllLetsTheResponderOverrideFingerprints() throws {
        let server = try TestHTTPServer(routeAllPathsToResponder: true) { request in
            request.path == "/health" ? .status(503, body: "{\"status\":\"loading\"}") : .builtin
        }
        defer { server.stop() }
        let health = try runCurl(["-w", "\n%{http_code}", "\(server.baseURL)/health"])
        #expect(health.text.hasSuffix("\n503"))
        #expect(try runCurl(["\(server.baseURL)/v1/models"]).json?["object"]?.stringValue == "list")
    }

    @Test func statusWithRetryAfter() throws {
        let server = try TestHTTPServer { _ in .status(429, body: "{\"error\":\"slow down\"}", headers: ["Retry-After": "2"]) }
        defer { server.stop() }
        let r = try runCurl(["-i", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        #expect(r.text.hasPrefix("HTTP/1.1 429 Too Many Requests"))
        #expect(r.text.contains("Retry-After: 2\r\n"))
        #expect(r.text.hasSuffix("{\"error\":\"slow down\"}"))
    }

    @Test func keepAliveReusesConnections() throws {
        let server = try echoServer()
        defer { server.stop() }
        let url = "\(server.baseURL)/v1/chat/completions"
        let sequential = try runCurl(["-d", chatBody("a"), url, url, url])
        #expect(sequential.exitCode == 0)
        #expect(server.requestCount == 3)
        #expect(server.connectionCount == 1)
        server.resetStatistics()
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("mizan-keepalive-\(UUID()).cfg")
        defer { try? FileManager.default.removeItem(at: config) }
        try String(repeating: "url = \"\(url)\"\noutput = \"/dev/null\"\n", count: 200).write(to: config, atomically: true, encoding: .utf8)
        let parallel = try runCurl(["--parallel", "--parallel-max", "20", "-d", chatBody("b"), "-K", config.path,
                                    "-w", "%{http_code}\n", "--fail"])
        #expect(parallel.exitCode == 0)
        #expect(parallel.text.split(separator: "\n").filter { $0 == "200" }.count == 200)
        #expect(server.requestCount == 200)
        #expect(server.connectionCount < 200)
        #expect(server.maxConcurrentConnections <= 100)
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = try echoServer()
        defer { server.stop() }
        let url = "\(server.baseURL)/v1/chat/completions"
        let r = try runCurl(["-i", "-H", "Connection: close", "-d", chatBody("a"), url, url])
        #expect(r.exitCode == 0)
        #expect(r.text.components(separatedBy: "Connection: close\r\n").count == 3)
        #expect(server.connectionCount == 2)
    }

    @Test func expectContinueAndChunkedRequestBodies() throws {
        let server = try TestHTTPServer { .completion(TestCompletion(text: String($0.body.count))) }
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mizan-body-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let big = chatBody(String(repeating: "x", count: 3_000_000))
        try big.write(to: file, atomically: true, encoding: .utf8)
        let expecting = try runCurl(["-v", "-H", "Expect: 100-continue", "--data-binary", "@\(file.path)",
                                     "\(server.baseURL)/v1/chat/completions"])
        #expect(expecting.stderr.contains("< HTTP/1.1 100 Continue"))  // else curl waits 1 s before sending
        #expect(expecting.json?["choices"]?[0]?["message"]?["content"]?.stringValue == String(big.utf8.count))
        let chunked = try runCurl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file.path)", "\(server.baseURL)/v1/chat/completions"])
        #expect(chunked.json?["choices"]?[0]?["message"]?["content"]?.stringValue == String(big.utf8.count))
        #expect(server.requests.last?.headers["transfer-encoding"] == "chunked")
        #expect(server.requests.last?.prompt.count == 3_000_000)
    }

    @Test func streamChunksKeepEveryByte() {
        #expect(TestCompletion.streamChunks("a b  c") == ["a", " b", "  c"])
        #expect(TestCompletion.streamChunks("  lead") == ["  lead"])
        #expect(TestCompletion.streamChunks("") == [])
        #expect(TestCompletion.streamChunks(multilingual).joined() == multilingual)
    }

    @Test func jsonParser() {
        let v = TestJSON.parse("{\"a\":[1,2.5,-3e2,true,false,null],\"s\":\"q\\\"\\u00e9\\ud83d\\ude00\\n\"}")
        #expect(v?["a"]?[2]?.doubleValue == -300)
        #expect(v?["a"]?[3]?.boolValue == true)
        #expect(v?["a"]?[5] == .null)
        #expect(v?["s"]?.stringValue == "q\"é😀\n")
        #expect(TestJSON.parse("{\"a\":1") == nil)
        #expect(TestJSON.parse("[1] x") == nil)
        #expect(TestJSON.parse(" [] ") == .array([]))
    }
}
