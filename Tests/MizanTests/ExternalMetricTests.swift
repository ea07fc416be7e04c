import Foundation
import Testing
import MizanCore
import MizanMetrics
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// The `external` metric with real child processes: the shipped example script, and commands
/// that fail in every way the protocol names.
@Suite(.timeLimit(.minutes(5))) struct ExternalMetricTests {
    static let lang = LanguageTag("fra-Latn")!

    static func input(_ id: String, _ output: String, _ refs: [String]) -> MetricInput {
        MetricInput(itemID: id, output: output, references: refs, language: lang, fields: ["id": .string(id), "note": .string("n")])
    }

    /// Writes an executable script into `dir` and returns its name.
    static func script(_ dir: String, _ name: String, _ body: String, executable: Bool = true) throws -> String {
        let path = dir + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: path)
        return name
    }

    static func make(_ options: [String: JSONValue], folder: String) throws -> any Metric {
        try MetricRegistry.make(MetricSpec(name: "external", options: options), context: MetricContext(suiteFolder: folder))
    }

    @Test func exampleScriptScoresItemsConcurrentlyInOrder() async throws {
        let metric = try Self.make(["command": .array([.string("python3"), .string("examples/metrics/length_ratio.py")])],
                                   folder: TestEnv.root)
        #expect(metric.version.hasPrefix("external/1 python3 sha:"))
        let inputs = (0..<40).map { i in Self.input("i\(i)", String(repeating: "x", count: i % 8), i % 10 == 9 ? [] : ["xxxx"]) }
        let results = try await withThrowingTaskGroup(of: (Int, MetricResult).self) { group in
            for (i, input) in inputs.enumerated() { group.addTask { (i, try await metric.score(input)) } }
            var out: [Int: MetricResult] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for i in 0..<40 {
            let r = try #require(results[i])
            if i % 10 == 9 {
                #expect(r.value == nil && r.error == "item has no reference")
            } else {
                let n = Double(i % 8)
                #expect(r.value == min(n, 4) / max(n, 4), "item \(i)")
                #expect(r.details["output_chars"]?.doubleValue == n)
            }
        }
    }

    @Test func exampleScriptInARunWithRelativeCommand() async throws {
        let dir = TestEnv.tempDir()
        let server = try TestHTTPServer { req in .text(req.prompt == "q 0" ? "abc" : "abcdef") }
        defer { server.stop() }
        let script = TestEnv.root + "/examples/metrics/length_ratio.py"
        let folder = try TestEnv.writeSuite(in: dir, yaml: """
            id: t-suite
            version: 1.0.0
            language: fra-Latn
            task: generation
            prompt: {template: "{{input}}"}
            metrics: [{name: external, command: [python3, "\(script)"], timeout: 10}]
            """, items: [#"{"id":"a","input":"q 0","reference":"abcdef"}"#, #"{"id":"b","input":"q 1","reference":"abcdef"}"#])
        let suite = try SuiteLoader.load(folder: folder)
        let store = try SQLiteStore(path: dir + "/e.sqlite")
        let outcome = try await Runner(store: store, harnessVersion: "test").run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        let scores = try store.items(runID: outcome.runID).reduce(into: [String: Double?]()) { $0[$1.itemID] = $1.scores.first?.value }
        #expect(scores == ["a": 0.5, "b": 1.0])
    }

    @Test func missingOrNonExecutableCommandIsAConfigError() throws {
        let dir = TestEnv.tempDir()
        let plain = try Self.script(dir, "plain.sh", "cat", executable: false)
        for (command, text) in [("./missing.sh", "not found"), ("./" + plain, "not executable"), ("no-such-tool-mizan", "not found on PATH")] {
            do {
                _ = try Self.make(["command": .string(command)], folder: dir)
                Issue.record("expected an error for \(command)")
            } catch let e as MetricConfigError {
                #expect(e.message.contains(text), "\(e.message)")
            }
        }
    }

    @Test func failingCommandReportsStatusAndStderrTail() async throws {
        let dir = TestEnv.tempDir()
        let name = try Self.script(dir, "fail.sh", "read line\necho 'cannot load model weights' >&2\nexit 3")
        let metric = try Self.make(["command": .string("./" + name)], folder: dir)
        let r = try await metric.score(Self.input("one", "x", ["y"]))
        #expect(r.value == nil)
        #expect(r.error?.contains("exited with status 3 after 0 answer line(s), before answering item 'one'") == true, "\(r.error ?? "")")
        #expect(r.error?.contains("stderr: …cannot load model weights") == true)
    }

    @Test func timeoutKillsTheCommandAndTheNextItemGetsAFreshOne() async throws {
        let dir = TestEnv.tempDir()
        let name = try Self.script(dir, "slow.sh", """
            while read line; do
              case "$line" in *slow*) sleep 20;; esac
              echo '{"score": 1}'
            done
            """)
        let metric = try Self.make(["command": .string("./" + name), "timeout": .number(0.5)], folder: dir)
        // Without the timeout the script would answer {"score": 1} after 20 s: an error here proves it fired.
        let slow = try await metric.score(Self.input("slow", "x", []))
        #expect(slow.value == nil && slow.error?.contains("timed out after 0.5 s on item 'slow'") == true, "\(slow.error ?? "")")
        let fast = try await metric.score(Self.input("fast", "x", []))
        #expect(fast.value == 1 && fast.error == nil)
    }

    @Test func unparsableLinesWrongIdsAndWrongCountsAreErrors() async throws {
        let dir = TestEnv.tempDir()
        let garbage = try Self.make(["command": .string("./" + Self.script(dir, "g.sh", #"while read l; do echo "oops, not json"; done"#))], folder: dir)
        let g1 = try await garbage.score(Self.input("a", "x", []))
        let g2 = try await garbage.score(Self.input("b", "x", []))
        #expect(g1.error?.hasPrefix("external metric: stdout line 1 is not a JSON object: 'oops, not json'") == true, "\(g1.error ?? "")")
        #expect(g2.error?.hasPrefix("external metric: stdout line 2 ") == true)

        let noScore = try Self.make(["command": .string("./" + Self.script(dir, "n.sh", #"while read l; do echo '{"value": 1}'; done"#))], folder: dir)
        let ns = try await noScore.score(Self.input("a", "x", []))
        #expect(ns.error?.contains("has no number `score`") == true, "\(ns.error ?? "no error")")

        let wrongID = try Self.make(["command": .string("./" + Self.script(dir, "w.sh", #"while read l; do echo '{"id": "zzz", "score": 1}'; done"#))], folder: dir)
        let wi = try await wrongID.score(Self.input("a", "x", []))
        #expect(wi.error?.contains("answers item 'zzz' but item 'a' was sent") == true, "\(wi.error ?? "no error")")

        let oneShot = try Self.make(["command": .string("./" + Self.script(dir, "o.sh", #"read l; echo '{"score": 0.25}'"#))], folder: dir)
        let os = try await oneShot.score(Self.input("a", "x", []))
        #expect(os.value == 0.25, "\(os.error ?? "no error")")
        let second = try await oneShot.score(Self.input("b", "x", []))
        #expect(second.error?.contains("exited with status 0 after 1 answer line(s), before answering item 'b'") == true, "\(second.error ?? "")")

        // The script marks when its extra line is in the pipe; the test waits for that event, not for a fixed time.
        let marker = dir + "/extra-written"
        let chattyScript = #"while read l; do echo '{"score": 1}'; echo '{"score": 1}'; touch "# + "'\(marker)'" + #"; done"#
        let chatty = try Self.make(["command": .string("./" + Self.script(dir, "c.sh", chattyScript))], folder: dir)
        #expect(try await chatty.score(Self.input("a", "x", [])).value == 1)
        try await TestEnv.waitUntil("the external command to write its extra line") { FileManager.default.fileExists(atPath: marker) }
        let extra = try await chatty.score(Self.input("b", "x", []))
        #expect(extra.error?.contains("wrote more lines than it was given items (extra stdout line 2") == true, "\(extra.error ?? "")")
    }
}
