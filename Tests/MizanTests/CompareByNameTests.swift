import Foundation
import MizanCore
import Testing

/// `mizan compare --suite …` picks runs by run name: two builds served one after the other behind the same URL (as the
/// demo's two quantizations of one model) compare without run ids, and a selection that finds nothing to compare says
/// what it found and how to select runs. Real runs through the CLI against `mizan-testserver`, a real SQLite store.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CompareByNameTests {
    /// A running `mizan-testserver` in answers mode, and its base URL.
    final class TestServerProcess {
        let process = Process()
        let baseURL: String

        init(answers: String) throws {
            process.executableURL = testServerBinary
            process.arguments = ["--port", "0", "--answers", answers]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            try process.run()
            var line: [UInt8] = []
            while line.last != 10, let byte = try out.fileHandleForReading.read(upToCount: 1)?.first { line.append(byte) }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("listening on ") else {
                process.terminate()
                throw WaitTimeout(what: "mizan-testserver to print its address (got \(text.debugDescription))", seconds: 0)
            }
            baseURL = text.dropFirst("listening on ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// Two suites of 8 items; the server answers the even items right.
    static func setUp(_ dir: String) throws -> (folders: [String], answers: String) {
        var folders: [String] = [], answers: [String] = []
        for suite in ["by-name-a", "by-name-b"] {
            let items = (0..<8).map { i in #"{"id":"\#(suite)-\#(i)","lang":"ary-Arab","input":"\#(suite) q \#(i)","reference":"r\#(i)"}"# }
            folders.append(try TestEnv.writeSuite(in: dir, id: suite, items: items))
            answers += (0..<8).map { i in #"{"prompt":"\#(suite) q \#(i)","output":"\#(i % 2 == 0 ? "r\(i)" : "wrong")"}"# }
        }
        let path = dir + "/answers.jsonl"
        try (answers.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (folders, path)
    }

    /// `mizan run` of every suite folder against `url` with `--name name`; the run ids.
    static func run(_ folders: [String], url: String, name: String, store: String) throws -> [String] {
        try folders.map { folder in
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", url + "/v1", "--api", "openai-completions",
                                                          "--model", "gemma", "--name", name, "--no-cache", "--store", store, "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            return try #require(JSONValue.parse(r.stdout)?["run_id"]?.stringValue)
        }
    }

    /// The column labels and each column's run ids of a JSON comparison.
    static func columns(_ json: String) -> [(label: String, runs: [String])] {
        guard case .array(let columns)? = JSONValue.parse(json)?["columns"] else { return [] }
        return columns.map { column in
            guard case .array(let runs)? = column["runs"] else { return (column["label"]?.stringValue ?? "", []) }
            return (column["label"]?.stringValue ?? "", runs.compactMap { $0["id"]?.stringValue })
        }
    }

    @Test func twoNamedBuildsBehindOneURLCompareByName() throws {
        let dir = TestEnv.tempDir()
        let (folders, answers) = try Self.setUp(dir)
        let store = dir + "/s.sqlite"
        let server = try TestServerProcess(answers: answers)
        defer { server.stop() }
        let q4 = try Self.run(folders, url: server.baseURL, name: "gemma-q4_k_m", store: store)
        let q2 = try Self.run(folders, url: server.baseURL, name: "gemma-q2_k", store: store)
        // Grouped by endpoint (the old rule) the four runs made one endpoint: one run per suite, nothing to compare.
        let both = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "by-name-a", "--suite", "by-name-b", "--store", store,
                                                         "--format", "json"])
        #expect(both.status == 0, "stderr: \(both.stderr)")
        let columns = Self.columns(both.stdout)
        #expect(columns.map(\.label) == ["gemma-q4_k_m", "gemma-q2_k"])
        #expect(columns.map(\.runs) == [q4, q2], "each build's column holds its own runs of both suites")
        // --name picks the columns and their order.
        let reversed = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "by-name-a", "--name", "gemma-q2_k", "--name", "gemma-q4_k_m",
                                                             "--store", store, "--format", "json"])
        #expect(reversed.status == 0, "stderr: \(reversed.stderr)")
        #expect(Self.columns(reversed.stdout).map(\.runs) == [[q2[0]], [q4[0]]])
        // A later run of the same name replaces the earlier one in its column.
        let again = try Self.run([folders[0]], url: server.baseURL, name: "gemma-q2_k", store: store)
        let latest = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "by-name-a", "--store", store, "--format", "json"])
        #expect(Self.columns(latest.stdout).map(\.runs) == [[q4[0]], again])
        // A name with no run: what the suite has (ids, names, the URL) and how to select.
        let unknown = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "by-name-a", "--name", "gemma-q8", "--name", "gemma-q2_k",
                                                            "--store", store])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("no completed run of suite by-name-a named gemma-q8"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains(q4[0]) && unknown.stderr.contains("named \"gemma-q4_k_m\" on \(server.baseURL)/v1"))
        #expect(unknown.stderr.contains("--name A --name B") && unknown.stderr.contains("mizan compare RUN RUN"))
    }

    @Test func nothingToCompareSaysWhatItFoundAndHowToSelect() throws {
        let dir = TestEnv.tempDir()
        let (folders, answers) = try Self.setUp(dir)
        let store = dir + "/s.sqlite"
        let server = try TestServerProcess(answers: answers)
        defer { server.stop() }
        // One build ran suite a, the other suite b: the two columns share no suite.
        let onA = try Self.run([folders[0]], url: server.baseURL, name: "gemma-q4_k_m", store: store)
        let onB = try Self.run([folders[1]], url: server.baseURL, name: "gemma-q2_k", store: store)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "by-name-a", "--suite", "by-name-b", "--store", store])
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.contains("nothing to compare for --suite by-name-a --suite by-name-b"), "\(r.stderr)")
        #expect(r.stderr.contains("compare needs two runs of the same suite"))
        #expect(r.stderr.contains("suite by-name-a: 1 run(s), 1 completed") && r.stderr.contains("suite by-name-b: 1 run(s), 1 completed"))
        #expect(r.stderr.contains(onA[0]) && r.stderr.contains(onB[0]))
        #expect(r.stderr.contains("named \"gemma-q4_k_m\" on \(server.baseURL)/v1") && r.stderr.contains("named \"gemma-q2_k\""))
        #expect(r.stderr.contains("--name A --name B") && r.stderr.contains("mizan run … --name NAME"))
        // A suite without runs lists the suites that have some.
        let none = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "no-such-suite", "--store", store])
        #expect(none.status == 2 && none.stderr.contains("suite no-such-suite: no run in this store; suites with runs: by-name-b, by-name-a"),
                "\(none.stderr)")
        // Named by id, the two runs are two columns without a common suite: the message says which suites each has.
        let byID = try TestEnv.run(TestEnv.mizanBinary, ["compare", onA[0], onB[0], "--store", store])
        #expect(byID.status == 2 && byID.stderr.contains("share no suite, so nothing can be compared (gemma-q4_k_m: by-name-a; gemma-q2_k: by-name-b)"),
                "\(byID.stderr)")
        // Run ids still select directly, and cannot be mixed with --name.
        let mixed = try TestEnv.run(TestEnv.mizanBinary, ["compare", onA[0], onB[0], "--name", "gemma-q2_k", "--store", store])
        #expect(mixed.status == 2 && mixed.stderr.contains("give run ids or --suite"))
    }
}
