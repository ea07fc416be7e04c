import Foundation
import MizanTestSupport
import Testing

@Suite(.timeLimit(.minutes(5))) struct TestServerFaultTests {
    @Test func malformedJSONBody() throws {
        let server = try TestHTTPServer { _ in .fault(.malformedJSON) }
        defer { server.stop() }
        let r = try runCurl(["-w", "\n%{http_code}", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        #expect(r.exitCode == 0)
        #expect(r.text.hasSuffix("\n200"))
        #expect(TestJSON.parse(String(r.text.dropLast(4))) == nil)
        let streamed = try runCurl(["-N", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x", stream: true)])
        #expect(!sseEvents(streamed.text).isEmpty)
        #expect(sseEvents(streamed.text).allSatisfy { TestJSON.parse($0) == nil })
    }

    @Test func resetConnectionMakesCurlFail() throws {
        let server = try TestHTTPServer { _ in .fault(.resetConnection) }
        defer { server.stop() }
        let r = try runCurl(["\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        #expect(r.exitCode == 56 || r.exitCode == 52)  // recv failure (reset) or empty reply
        #expect(r.stdout.isEmpty)
        #expect(server.requestCount == 1)
    }

    @Test func stopReturnsPromptlyWhileAConnectionNeverGetsAnswered() throws {
        let server = try TestHTTPServer { _ in .fault(.neverAnswer) }
        let hanging = try startCurl(["\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        let deadline = Date().addingTimeInterval(60)
        while server.requestCount == 0, Date() < deadline { usleep(5_000) }
        #expect(server.requestCount == 1)
        #expect(server.openConnections == 1)
        server.stop()  // returning at all (the test would hang otherwise) is what this checks
        #expect(server.openConnections == 0)
        hanging.process.waitUntilExit()
        #expect(hanging.process.terminationStatus == 52)  // empty reply from server
        server.stop()  // idempotent
    }

    @Test func stallMidStreamHoldsTheConnection() throws {
        let server = try TestHTTPServer { _ in .fault(.stallMidStream(afterChunks: 2)) }
        defer { server.stop() }
        let r = try runCurl(["-N", "--max-time", "0.7", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x", stream: true)])
        #expect(r.exitCode == 28)  // curl timed out: the server held the stream open
        let text = sseEvents(r.text).compactMap { TestJSON.parse($0)?["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "chunk1 chunk2")
    }

    @Test func cutStreamEndsCleanlyWithoutDone() throws {
        let server = try TestHTTPServer { _ in .fault(.cutStreamBeforeDone(afterChunks: 3)) }
        defer { server.stop() }
        let r = try runCurl(["-N", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x", stream: true)])
        #expect(r.exitCode == 0)
        let events = sseEvents(r.text)
        #expect(!events.contains("[DONE]"))
        #expect(!events.contains { $0.contains("\"finish_reason\":\"stop\"") })
        let text = events.compactMap { TestJSON.parse($0)?["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "chunk1 chunk2 chunk3")
        let ollama = try runCurl(["-N", "\(server.baseURL)/api/chat", "-d", "{\"messages\":[]}"])
        #expect(ollama.text.split(separator: "\n").count == 3)
        #expect(!ollama.text.contains("\"done\":true"))
    }

    @Test func dropStreamMidwayIsATransferError() throws {
        let server = try TestHTTPServer { _ in .fault(.dropStreamMidway(afterChunks: 1)) }
        defer { server.stop() }
        let r = try runCurl(["-N", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x", stream: true)])
        #expect(r.exitCode == 18)  // partial file: chunked body never ended
    }

    @Test func enormousBodyIsValidJSON() throws {
        let server = try TestHTTPServer { _ in .fault(.enormousBody(bytes: 8_000_000)) }
        defer { server.stop() }
        let r = try runCurl(["\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        #expect(r.exitCode == 0)
        #expect(r.stdout.count == 8_000_000)
        let content = r.json?["choices"]?[0]?["message"]?["content"]?.stringValue
        #expect(content?.utf8.count ?? 0 > 7_999_000)
    }

    @Test func invalidUTF8InContent() throws {
        let server = try TestHTTPServer { _ in .fault(.invalidUTF8) }
        defer { server.stop() }
        let r = try runCurl(["\(server.baseURL)/v1/chat/completions", "-d", chatBody("x")])
        #expect(r.exitCode == 0)
        #expect(r.stdout.contains(0xFF))
        #expect(String(validating: r.stdout, as: UTF8.self) == nil)
        let streamed = try runCurl(["-N", "\(server.baseURL)/api/chat", "-d", "{\"messages\":[]}"])
        #expect(streamed.stdout.contains(0xFF))
        #expect(streamed.text.contains("\"done\":true"))
    }

    @Test func delayedAndChunkDelayedReplies() throws {
        let server = try TestHTTPServer { _ in
            .delayed(seconds: 0.3, .completion(TestCompletion(text: "a b c", chunkDelay: 0.05)))
        }
        defer { server.stop() }
        let r = try runCurl(["-N", "\(server.baseURL)/v1/chat/completions", "-d", chatBody("x", stream: true)])
        let text = sseEvents(r.text).compactMap { TestJSON.parse($0)?["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
        #expect(text == "a b c")
        #expect(sseEvents(r.text).last == "[DONE]")
    }

    @Test func hundredsOfConcurrentConnections() throws {
        let server = try TestHTTPServer { _ in .delayed(seconds: 0.5, .completion(TestCompletion(text: "ok"))) }
        defer { server.stop() }
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("mizan-conc-\(UUID()).cfg")
        defer { try? FileManager.default.removeItem(at: config) }
        let url = "\(server.baseURL)/v1/chat/completions"
        try String(repeating: "url = \"\(url)\"\noutput = \"/dev/null\"\n", count: 250).write(to: config, atomically: true, encoding: .utf8)
        let args = ["--parallel", "--parallel-immediate", "--parallel-max", "250", "-d", chatBody("x"),
                    "-K", config.path, "-w", "%{http_code}\n"]
        let clients = try (0..<2).map { _ in try startCurl(args) }
        var ok = 0
        for client in clients {
            let out = client.standardOutputPipe.fileHandleForReading.readDataToEndOfFile()
            client.process.waitUntilExit()
            ok += String(decoding: out, as: UTF8.self).split(separator: "\n").filter { $0 == "200" }.count
        }
        #expect(ok == 500)
        #expect(server.requestCount == 500)
        #expect(server.maxConcurrentRequests >= 200)
    }

    @Test func droppingTheServerStopsIt() throws {
        var server: TestHTTPServer? = try echoServer()
        let url = "\(server!.baseURL)/health"
        #expect(try runCurl([url]).exitCode == 0)
        server = nil
        #expect(try runCurl(["--max-time", "2", url]).exitCode == 7)  // connection refused
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: testServerBinary.path)))
    func testServerExecutableEchoesAndAnswers() throws {
        let answers = FileManager.default.temporaryDirectory.appendingPathComponent("mizan-answers-\(UUID()).jsonl")
        defer { try? FileManager.default.removeItem(at: answers) }
        try "{\"prompt\": \"2+2?\", \"output\": \"4\"}\n\n".write(to: answers, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = testServerBinary
        process.arguments = ["--port", "0", "--answers", answers.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var line: [UInt8] = []
        while line.last != 10, let byte = try out.fileHandleForReading.read(upToCount: 1)?.first { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix("listening on http://127.0.0.1:"))
        let base = text.dropFirst("listening on ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        let hit = try runCurl(["\(base)/v1/chat/completions", "-d", chatBody("2+2?")])
        #expect(hit.json?["choices"]?[0]?["message"]?["content"]?.stringValue == "4")
        let miss = try runCurl(["\(base)/api/generate", "-d", "{\"prompt\":\"other\",\"stream\":false}"])
        #expect(miss.json?["response"]?.stringValue == "I do not know.")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}

/// The `mizan-testserver` binary next to the test bundle (built by `swift build --build-tests`).
let testServerBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("mizan-testserver")
