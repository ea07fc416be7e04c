import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// `mizan push` and the CLI on both stores.
@Suite(.timeLimit(.minutes(5))) struct PushTests {
    /// A real run of `n` numbered items into a fresh SQLite store; returns the store path and run id.
    static func localRun(_ n: Int, server: TestHTTPServer) async throws -> (path: String, runID: String) {
        let dir = TestEnv.tempDir()
        let suite = try SuiteLoader.load(folder: try EndToEndTests.numberedSuite(n, in: dir))
        let path = dir + "/local.sqlite"
        let outcome = try await Runner(store: try SQLiteStore(path: path), harnessVersion: "test")
            .run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        return (path, outcome.runID)
    }

    @Test(arguments: StoreKind.testable) func pushingTwiceChangesNothingAndAPartialCopyIsCompleted(kind: StoreKind) async throws {
        let server = try TestHTTPServer(responder: ResumeTests.counting(Locked([:])))
        defer { server.stop() }
        let (path, runID) = try await Self.localRun(30, server: server)
        let source = try SQLiteStore(path: path)
        let destination = try openResultStore(try kind.freshLocation())
        #expect(try StorePush.push(runID: runID, from: source, to: destination).1 == .copied(items: 30))
        #expect(try StorePush.push(runID: runID, from: source, to: destination).1 == .alreadyPresent)
        #expect(try destination.run(matching: runID) == source.run(matching: runID))
        #expect(try destination.items(runID: runID) == source.items(runID: runID))

        // The source run gets one more item (it was pushed while still going): the next push adds just that.
        try source.setStatus(runID: runID, status: .running)
        var extra = try source.items(runID: runID)[0]
        extra.itemID = "item-late"
        try source.record(runID: runID, item: extra)
        try source.finishRun(id: runID, status: .completed, finishedAt: isoNow())
        #expect(try StorePush.push(runID: runID, from: source, to: destination).1 == .updated(items: 1))
        #expect(try destination.items(runID: runID) == source.items(runID: runID))
        #expect(try destination.run(matching: runID) == source.run(matching: runID))

        // Rescored on one side only: refused, nothing overwritten.
        try source.replaceScores(runID: runID, itemID: "item-3", sample: 0,
                                 scores: [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: 0.5)])
        #expect { try StorePush.push(runID: runID, from: source, to: destination) } throws: { error in
            (error as? PushConflict).map { "\($0)".contains("item-3") && $0.exitCode == 2 } ?? false
        }
        #expect(try destination.items(runID: runID).first { $0.itemID == "item-3" }?.scores.first?.value == 1)
    }

    @Test(arguments: StoreKind.testable) func pushCommandReportsWhatItDid(kind: StoreKind) async throws {
        let server = try TestHTTPServer(responder: ResumeTests.counting(Locked([:])))
        defer { server.stop() }
        let (path, runID) = try await Self.localRun(12, server: server)
        let (_, runID2) = try await Self.localRun(5, server: server)
        let destination = try kind.freshLocation()
        let first = try TestEnv.run(TestEnv.mizanBinary, ["push", String(runID.prefix(20)), "--store", path, "--to", destination])
        #expect(first.status == 0 && first.stdout == "\(runID): pushed (12 items)\n", "\(first.stderr)")
        let second = try TestEnv.run(TestEnv.mizanBinary, ["push", runID, "--store", path, "--to", destination])
        #expect(second.status == 0 && second.stdout.contains("already present"), "\(second.stderr)")
        let shown = try [path, destination].map {
            try TestEnv.run(TestEnv.mizanBinary, ["show", runID, "--store", $0, "--items", "--format", "json"]).stdout
        }
        #expect(!shown[0].isEmpty && shown[0] == shown[1], "show prints the same on both stores")
        let unknown = try TestEnv.run(TestEnv.mizanBinary, ["push", runID2, "--store", path, "--to", destination])
        #expect(unknown.status == 2 && unknown.stderr.contains("no run"), "run \(runID2) is in another store")
        let noTarget = try TestEnv.run(TestEnv.mizanBinary, ["push", runID, "--store", path])
        #expect(noTarget.status == 2)
        let all = try TestEnv.run(TestEnv.mizanBinary, ["push", "--all", "--store", path, "--to", destination])
        #expect(all.status == 0 && all.stdout == "\(runID): already present, nothing to do\n", "\(all.stderr)")
        #expect(try TestEnv.run(TestEnv.mizanBinary, ["push", "--all", runID, "--store", path, "--to", destination]).status == 2)
    }

    @Test(arguments: StoreKind.testable) func everyCommandWorksThroughTheConfigFileStore(kind: StoreKind) throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(20, in: dir)
        let server = try TestHTTPServer(responder: ResumeTests.counting(Locked([:])))
        defer { server.stop() }
        let config = dir + "/mizan.yaml"
        try "store: \(try kind.freshLocation())\n".write(toFile: config, atomically: true, encoding: .utf8)
        func mizan(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            try TestEnv.run(TestEnv.mizanBinary, args + ["--config", config])
        }
        let run = try mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--json", "--limit", "15"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(run.stdout.utf8))
        let runID = try #require(json["run_id"]?.stringValue)
        #expect(json["metrics"]?["exact"]?.doubleValue == 12.0 / 15.0)
        #expect(try mizan(["runs", "--format", "csv"]).stdout.contains(runID))
        let resumed = try mizan(["run", "--resume", runID, "--json"])
        #expect(resumed.status == 0 && resumed.stdout.contains("\"items\" : 15"), "\(resumed.stderr)")
        let rescored = try mizan(["rescore", runID, "--metrics", "contains", "--format", "json"])
        #expect(rescored.status == 0, "\(rescored.stderr)")
        let show = try mizan(["show", String(runID.prefix(17)), "--format", "json"])
        let shown = try JSONDecoder().decode(JSONValue.self, from: Data(show.stdout.utf8))
        #expect(shown["metrics"]?["contains"]?.doubleValue == 12.0 / 15.0 && shown["metrics"]?["exact"] != nil, "\(show.stdout)")
        #expect(try mizan(["show", "no-such-run"]).status == 2)
        // compare, diff, baseline and gate on the same store.
        let second = try mizan(["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--json", "--limit", "15"])
        let secondID = try #require(JSONValue.parse(second.stdout)?["run_id"]?.stringValue, "\(second.stderr)")
        let compared = try mizan(["compare", runID, secondID, "--format", "json"])
        #expect(compared.status == 0 && JSONValue.parse(compared.stdout)?["schema"]?.stringValue == "mizan.comparison", "\(compared.stderr)")
        let diff = try mizan(["diff", runID, secondID])
        #expect(diff.status == 0, "\(diff.stderr)")
        let saved = try mizan(["baseline", "save", runID, "--name", "shared", "--dir", dir])
        #expect(saved.status == 0, "\(saved.stderr)")
        let gate = try mizan(["gate", "--baseline", dir + "/shared.json", "--candidate", secondID])
        #expect(gate.status == 0 && gate.stdout.contains("gate PASSED"), "\(gate.stdout)\n\(gate.stderr)")
    }
}
