import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanTestSupport

/// A runaway endpoint cannot exhaust memory: the response cap follows the request's max_tokens (or the
/// endpoint's `max_response_bytes`), the transfer is aborted once the cap is crossed, and the item ends as
/// `too_large` with the cap in its message. Real test server, real libcurl transport, the CLI binary.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ResponseCapTests {
    /// Waits (bounded by the suite's time limit) until the server has noticed the client hung up.
    static func waitForCut(_ server: TestHTTPServer, count: Int) async throws {
        while server.repliesCutByPeer < count { try await Task.sleep(nanoseconds: 10_000_000) }
    }

    @Test func defaultCapFollowsMaxTokens() {
        let e = EndpointConfig(name: "e", url: "http://127.0.0.1:1/v1")
        #expect(e.responseCap(maxTokens: 16) == (1 << 20) + 16 * 1024)
        #expect(e.responseCap(maxTokens: nil) == (1 << 20) + 8192 * 1024)
        var p = e
        p.params = ["max_tokens": .number(6)]          // params override the suite's max_tokens in the body
        #expect(p.responseCap(maxTokens: 512) == (1 << 20) + 6 * 1024)
        var o = e
        o.maxResponseBytes = 5000
        #expect(o.responseCap(maxTokens: 16) == 5000)
    }

    @Test(arguments: [false, true])
    func runawayBodyIsAbortedAsTooLarge(chunked: Bool) async throws {
        let bytes = 64 << 20
        let server = try TestHTTPServer { _ in .fault(chunked ? .enormousChunkedBody(bytes: bytes) : .enormousBody(bytes: bytes)) }
        defer { server.stop() }
        let client = try ModelClient(config: TestEnv.endpoint(server))
        let r = try await client.generate(RenderedPrompt(user: "x"), settings: .init(maxTokens: 16))
        let cap = (1 << 20) + 16 * 1024
        #expect(r.failure?.kind == .tooLarge, "\(String(describing: r.failure))")
        #expect(r.failure?.message.contains("cap of \(cap) bytes") == true)
        #expect(r.failure?.message.contains("max_tokens 16") == true && r.failure?.message.contains("max_response_bytes") == true)
        #expect(r.attempts == 1, "a body over the cap is not retried")
        // The client hung up long before the 64 MiB were written.
        try await Self.waitForCut(server, count: 1)
        #expect(server.repliesCutByPeer == 1)
    }

    @Test func bodyBetweenTheCapsIsRefusedUnlessConfigured() async throws {
        // 3 MB: under the old fixed 64 MiB cap, over 1 MiB + 1 KiB × 8.
        let server = try TestHTTPServer { _ in .fault(.enormousChunkedBody(bytes: 3_000_000)) }
        defer { server.stop() }
        let refused = try await ModelClient(config: TestEnv.endpoint(server)).generate(RenderedPrompt(user: "x"), settings: .init(maxTokens: 8))
        #expect(refused.failure?.kind == .tooLarge && refused.text == nil)
        var config = TestEnv.endpoint(server)
        config.maxResponseBytes = 4_000_000
        let accepted = try await ModelClient(config: config).generate(RenderedPrompt(user: "x"), settings: .init(maxTokens: 8))
        #expect(accepted.failure == nil && (accepted.text?.utf8.count ?? 0) > 2_900_000)
    }

    @Test func cliRecordsTooLargeAndHonoursMaxResponseBytes() throws {
        let dir = TestEnv.tempDir()
        let items = (0..<4).map { #"{"id":"i\#($0)","input":"q \#($0)","reference":"a"}"# }
        let folder = try TestEnv.writeSuite(in: dir, id: "cap-suite",
                                            yaml: TestEnv.suiteYAML(id: "cap-suite", extra: "generation:\n  max_tokens: 8"), items: items)
        let server = try TestHTTPServer { _ in .fault(.enormousChunkedBody(bytes: 3_000_000)) }
        defer { server.stop() }
        let config = dir + "/mizan.yaml"
        try """
            endpoints:
              capped:
                url: \(server.baseURL)/v1
              roomy:
                url: \(server.baseURL)/v1
                max_response_bytes: 4000000
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let store = dir + "/cap.sqlite"
        let capped = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", "capped", "--config", config,
                                                           "--store", store, "--json"])
        #expect(capped.status == 3, "every item is an error: over the error budget; stderr: \(capped.stderr)")
        let json = try #require(JSONValue.parse(capped.stdout))
        #expect(json["errors"]?.doubleValue == 4 && json["error_kinds"]?["too_large"]?.doubleValue == 4)
        let runID = try #require(json["run_id"]?.stringValue)
        let shown = try TestEnv.run(TestEnv.mizanBinary, ["show", runID, "--store", store, "--items", "--format", "json"])
        #expect(shown.stdout.contains("cap of \((1 << 20) + 8 * 1024) bytes"), "\(shown.stdout.prefix(2000))")
        let roomy = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", "roomy", "--config", config,
                                                          "--store", store, "--json"])
        #expect(roomy.status == 0, "stderr: \(roomy.stderr)")
        #expect(JSONValue.parse(roomy.stdout)?["errors"]?.doubleValue == 0)
        // A cap below 1 KiB is a config error naming the key.
        try "endpoints:\n  bad:\n    url: http://127.0.0.1:1/v1\n    max_response_bytes: 10\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", "bad", "--config", config, "--store", store])
        #expect(bad.status == 2 && bad.stderr.contains("max_response_bytes"))
    }
}
