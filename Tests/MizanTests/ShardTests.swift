import Foundation
import Testing
import MizanCore
import MizanRunner
import MizanStore
import MizanTestSupport

/// `mizan run --shard i/n`: n processes write one run; the merged run equals the unsharded one.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ShardTests {
    @Test func assignmentDependsOnTheIdOnlyAndIsBalanced() throws {
        let ids = (0..<4_000).map { "item-\($0)" }
        let assigned = Dictionary(uniqueKeysWithValues: ids.map { ($0, ShardSpec.shard(of: $0, count: 4)) })
        let sizes = (0..<4).map { i in assigned.values.filter { $0 == i }.count }
        for size in sizes { #expect(abs(size - 1_000) < 100, "balanced: \(sizes)") }
        let shard2 = try ShardSpec(index: 2, count: 4)
        let sample = ids.shuffled().prefix(300)
        #expect(sample.allSatisfy { shard2.contains($0) == (assigned[$0] == 2) }, "an item's shard depends on its id only")
        #expect(ShardSpec.shard(of: "item-17", count: 4) == ShardSpec.shard(of: "item-17", count: 4))
        #expect(Set(ids.map { ShardSpec.shard(of: $0, count: 1) }) == [0])
        #expect(try ShardSpec(parsing: "3/4") == ShardSpec(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] {
            #expect(throws: UsageError.self) { try ShardSpec(parsing: bad) }
        }
    }

    /// Launches `mizan` with arguments; returns the process (output discarded).
    static func launch(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func wait(_ p: Process) async throws {
        try await TestEnv.waitUntil("the shard process to exit") { !p.isRunning }
    }

    /// The unsharded reference run of a suite, through the CLI; returns its scores by item id.
    static func unsharded(_ folder: String, _ server: TestHTTPServer, store: String) throws -> [String: Double?] {
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let id = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))["run_id"]?.stringValue)
        return try scores(openResultStore(store), id)
    }

    /// Scores by item id; fails the test on a duplicate item.
    static func scores(_ store: any ResultStore, _ runID: String) throws -> [String: Double?] {
        let items = try store.items(runID: runID)
        #expect(Set(items.map(\.itemID)).count == items.count, "no duplicate items")
        return Dictionary(items.map { ($0.itemID, $0.scores.first?.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// The one run whose manifest name is `name`.
    static func named(_ name: String, in store: any ResultStore) throws -> RunRecord {
        try #require(try store.runs().first { $0.manifest["name"]?.stringValue == name })
    }

    @Test(arguments: StoreKind.testable) func fourShardProcessesEqualTheUnshardedRun(kind: StoreKind) async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(200, in: dir)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let location = try kind.freshLocation()
        let reference = try Self.unsharded(folder, server, store: location)
        let base = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", location, "--name", "merged", "--concurrency", "4"]
        let shards = try (0..<4).map { try Self.launch(base + ["--shard", "\($0)/4"]) }
        for p in shards { try await Self.wait(p) }
        #expect(shards.map(\.terminationStatus) == [0, 0, 0, 0])

        let store = try openResultStore(location)
        let run = try Self.named("merged", in: store)
        #expect(run.status == .completed && run.itemCount == 200 && run.shardCount == 4)
        let merged = try Self.scores(store, run.id)
        #expect(merged.count == 200 && merged == reference, "same scores, no item missing")
        #expect(reference.values.filter { $0 == 0 }.count == 29, "the reference has wrong answers to compare")
        let reports = try store.shards(runID: run.id)
        #expect(reports.map(\.status) == Array(repeating: RunStatus.completed, count: 4) && reports.map(\.itemCount).reduce(0, +) == 200)
        #expect(counts.current.count == 200 && counts.current.values.allSatisfy { $0 == 2 }, "each item sent once per run")
        let show = try TestEnv.run(TestEnv.mizanBinary, ["show", run.id, "--store", location, "--format", "json"])
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(show.stdout.utf8))
        #expect(json["shards"]?["missing"] == .array([]) && json["items"]?.doubleValue == 200, "\(show.stderr)")
    }

    @Test(arguments: StoreKind.testable) func killedShardsResumeToTheSameResult(kind: StoreKind) async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(200, in: dir)
        let fast = try TestHTTPServer(responder: ResumeTests.counting(Locked([:])))
        defer { fast.stop() }
        let location = try kind.freshLocation()
        let reference = try Self.unsharded(folder, fast, store: location)

        let counts = Locked([String: Int]())
        // Shards 1 and 2 get 6 answers each; the server then holds their requests (until released), so
        // they are certainly killed mid-run however fast mizan or slow the machine is.
        let released = Locked(false)
        let inner = ResumeTests.counting(counts, delay: 0.02)
        @Sendable func shardOf(_ prompt: Substring) -> Int { ShardSpec.shard(of: "item-" + prompt.dropFirst(2), count: 4) }
        let slow = try TestHTTPServer(responder: { req in
            let reply = inner(req)
            let shard = shardOf(Substring(req.prompt))
            guard !released.current, shard == 1 || shard == 2 else { return reply }
            let sent = counts.current.keys.filter { shardOf(Substring($0)) == shard }.count
            return sent > 6 ? .delayed(seconds: 60, reply) : reply
        })
        defer { slow.stop() }
        let base = ["run", "--suite", folder, "--endpoint", slow.baseURL + "/v1", "--store", location, "--name", "killed", "--concurrency", "2"]
        let processes = try (0..<4).map { try Self.launch(base + ["--shard", "\($0)/4"]) }
        func requested(shard: Int) -> Int {
            counts.current.filter { ShardSpec.shard(of: "item-" + $0.key.dropFirst(2), count: 4) == shard }.count
        }
        let deadline = Date().addingTimeInterval(120)
        while requested(shard: 1) < 6 || requested(shard: 2) < 6 {
            try #require(Date() < deadline && processes[1].isRunning && processes[2].isRunning, "shards 1 and 2 stopped before being killed")
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        kill(processes[1].processIdentifier, SIGKILL)
        kill(processes[2].processIdentifier, SIGKILL)
        for p in processes { try await Self.wait(p) }
        released.withLock { $0 = true }
        #expect(processes[0].terminationStatus == 0 && processes[3].terminationStatus == 0)

        let store = try openResultStore(location)
        let run = try Self.named("killed", in: store)
        #expect(run.status == .running, "killed shards never reported")
        let show = try TestEnv.run(TestEnv.mizanBinary, ["show", run.id, "--store", location])
        #expect(show.stdout.contains("shards not completed: 1/4, 2/4"), "\(show.stdout)")
        let survived = Set(try store.items(runID: run.id).map(\.itemID))
        #expect(survived.count < 200)

        // Shard 1 resumes by running its command again; shard 2 with --resume, like a whole run.
        let again = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "1/4", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        // Its JSON reports the whole shard (what survived and what was sent now), not only this process's items.
        let shard1 = (0..<200).filter { ShardSpec.shard(of: "item-\($0)", count: 4) == 1 }.count
        let survived1 = survived.filter { ShardSpec.shard(of: $0, count: 4) == 1 }.count
        let requeued = try JSONDecoder().decode(JSONValue.self, from: Data(again.stdout.utf8))
        #expect(requeued["items"]?.doubleValue == Double(shard1), "\(again.stdout)")
        #expect(requeued["shard_run"]?["start"]?.stringValue == (survived1 == 0 ? "fresh" : "resumed"))
        #expect(requeued["shard_run"]?["stored_before"]?.doubleValue == Double(survived1))
        #expect(requeued["shard_run"]?["stored_now"]?.doubleValue == Double(shard1 - survived1))
        #expect(try store.run(matching: run.id).status == .running, "shard 2 is still missing")
        let resumed = try TestEnv.run(TestEnv.mizanBinary, ["run", "--resume", String(run.id.prefix(12)), "--shard", "2/4", "--store", location])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("all 4 shards of run \(run.id) have completed"))

        #expect(try store.run(matching: run.id).status == .completed)
        #expect(try Self.scores(store, run.id) == reference)
        for id in survived { #expect(counts.current["q " + id.dropFirst(5)] == 1, "stored item \(id) was requested again") }
        #expect(counts.current.count == 200 && counts.current.values.allSatisfy { $0 <= 2 })
    }

    @Test func shardMisuseIsAUsageError() async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(8, in: dir)
        let server = try TestHTTPServer(responder: ResumeTests.counting(Locked([:])))
        defer { server.stop() }
        let store = dir + "/s.sqlite"
        let base = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store]
        let noName = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "0/2"])
        #expect(noName.status == 2 && noName.stderr.contains("--shard needs --name"))
        let outOfRange = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "2/2", "--name", "x"])
        #expect(outOfRange.status == 2 && outOfRange.stderr.contains("numbered from 0"))
        let first = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "0/2", "--name", "x", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(first.stdout.utf8))
        #expect(json["shard"]?.stringValue == "0/2" && json["shards"]?["missing"] == .array([.number(1)]))
        let run = try Self.named("x", in: try openResultStore(store))
        let runs = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", store, "--format", "csv"])
        #expect(runs.stdout.contains("running (1/2 shards done)"), "\(runs.stdout)")
        let otherCount = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "0/3", "--name", "x"])
        #expect(otherCount.status == 2 && otherCount.stderr.contains("started with 2 shards"), "\(otherCount.stderr)")
        let otherLimit = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "1/2", "--name", "x", "--limit", "5"])
        #expect(otherLimit.status == 2 && otherLimit.stderr.contains("still in progress"), "\(otherLimit.stderr)")
        let wholeResume = try TestEnv.run(TestEnv.mizanBinary, ["run", "--resume", run.id, "--store", store])
        #expect(wholeResume.status == 2 && wholeResume.stderr.contains("--shard i/2"))
        #expect(try openResultStore(store).run(matching: run.id).status == .running, "shard 1 has not run")
    }
}
