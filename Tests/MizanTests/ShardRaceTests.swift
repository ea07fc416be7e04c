import Foundation
import Testing
import MizanCore
import MizanRunner
import MizanStore
import MizanTestSupport

/// Schedulers deliver at least once: the same shard run by several processes at once (a requeue racing the old
/// task, a restarted pod next to the old one) must send each item once, store it once and not deadlock; a
/// shard's `run --json` reports the same slice whatever its history.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ShardRaceTests {
    /// Launches `mizan` with stdout into `out` (stderr into `out.err`).
    static func launch(_ args: [String], out: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: out + ".err", contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = args
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: out + ".err"))
        try p.run()
        return p
    }

    static func json(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test(arguments: StoreKind.testable)
    func fourProcessesOnOneShardSendAndStoreEachItemOnce(kind: StoreKind) async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(160, in: dir)
        let counts = Locked([String: Int]())
        // Slow enough answers that the four processes certainly overlap.
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts, delay: 0.05))
        defer { server.stop() }
        let location = try kind.freshLocation()
        let mine = (0..<160).map { "item-\($0)" }.filter { ShardSpec.shard(of: $0, count: 4) == 1 }
        let args = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", location, "--name", "race",
                    "--concurrency", "2", "--shard", "1/4", "--json"]
        let outs = (0..<4).map { dir + "/p\($0).json" }
        let processes = try outs.map { try Self.launch(args, out: $0) }
        for p in processes { try await ShardTests.wait(p) }
        let errs = outs.map { Self.read($0 + ".err") }
        #expect(processes.map(\.terminationStatus) == [0, 0, 0, 0], "\(errs)")
        #expect(!errs.joined().contains("deadlock"), "\(errs)")

        #expect(counts.current.count == mine.count, "every item of shard 1 requested, no other")
        #expect(counts.current.values.allSatisfy { $0 == 1 }, "each item requested once: \(counts.current.filter { $0.value > 1 })")
        let store = try openResultStore(location)
        let run = try ShardTests.named("race", in: store)
        let items = try store.items(runID: run.id)
        #expect(items.count == mine.count && Set(items.map(\.itemID)) == Set(mine), "each item stored once")
        #expect(try store.shards(runID: run.id).map(\.status) == [.completed])
        #expect(errs.filter { $0.contains("being worked on by another process") }.count >= 1, "a waiter said why it waited")

        // Every process reports the same slice; exactly one sent it, the others found it complete.
        let reports = try outs.map { try Self.json(Self.read($0)) }
        for r in reports {
            #expect(r["items"]?.doubleValue == Double(mine.count) && r["metrics"] == reports[0]["metrics"])
            #expect(r["shard_run"]?["status"]?.stringValue == "completed")
        }
        let starts = reports.compactMap { $0["shard_run"]?["start"]?.stringValue }.sorted()
        #expect(starts == ["already_complete", "already_complete", "already_complete", "fresh"], "\(starts)")
        let sent = reports.compactMap { $0["shard_run"]?["stored_now"]?.doubleValue }.reduce(0, +)
        #expect(sent == Double(mine.count))
    }

    @Test(arguments: StoreKind.testable)
    func aFinishedShardRunAgainReportsItsSliceAndStaysFinished(kind: StoreKind) async throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(40, in: dir)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let location = try kind.freshLocation()
        let base = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", location, "--name", "again", "--json"]
        let zero = (0..<40).filter { ShardSpec.shard(of: "item-\($0)", count: 2) == 0 }.count

        let first = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "0/2"])
        #expect(first.status == 0, "\(first.stderr)")
        let other = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "1/2"])
        #expect(other.status == 0, "\(other.stderr)")
        let store = try openResultStore(location)
        let run = try ShardTests.named("again", in: store)
        #expect(run.status == .completed)
        let reportsBefore = try store.shards(runID: run.id)

        let rerun = try TestEnv.run(TestEnv.mizanBinary, base + ["--shard", "0/2"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let a = try Self.json(first.stdout), c = try Self.json(rerun.stdout)
        #expect(a["items"]?.doubleValue == Double(zero) && c["items"]?.doubleValue == Double(zero), "the shard's slice, not the run")
        #expect(a["metrics"] == c["metrics"] && a["errors"] == c["errors"])
        #expect(a["shard_run"]?["start"]?.stringValue == "fresh" && a["shard_run"]?["stored_now"]?.doubleValue == Double(zero))
        #expect(c["shard_run"]?["start"]?.stringValue == "already_complete" && c["shard_run"]?["stored_now"]?.doubleValue == 0)
        #expect(c["shard_run"]?["stored_before"]?.doubleValue == Double(zero))
        #expect(rerun.stderr.contains("nothing to send"), "\(rerun.stderr)")
        #expect(counts.current.values.allSatisfy { $0 == 1 }, "nothing sent again")
        // Nothing to send: the shard's report and the run are left exactly as they were (never back to running).
        #expect(try store.shards(runID: run.id) == reportsBefore)
        let after = try store.run(matching: run.id)
        #expect(after.status == .completed && after.finishedAt == run.finishedAt)
    }

    /// Two writers storing the same items in opposite finishing orders, in batches (group commit): PostgreSQL
    /// takes row locks in statement order, so unordered batches lock crosswise and one of them is killed with
    /// `deadlock detected`; batches written in item order cannot.
    @Test func samePostgresItemsWrittenInOppositeOrdersDoNotDeadlock() async throws {
        guard TestPostgres.enabled else { return }
        let location = try StoreKind.postgres.freshLocation()
        let a = try openResultStore(location), b = try openResultStore(location)
        for round in 0..<3 {
            let runID = "race-\(round)"
            try a.createRun(StoreTests.run(runID))
            let items = (0..<300).map { StoreTests.item("item-\($0)", text: "a") }
            let failures = Locked([String]())
            let writers = [(a, items), (b, Array(items.reversed()))].map { store, batch in
                Thread {
                    do { try store.record(runID: runID, items: batch) } catch { failures.withLock { $0.append("\(error)") } }
                }
            }
            for writer in writers { writer.start() }
            try await TestEnv.waitUntil("both writer threads to finish") { !writers.contains { !$0.isFinished } }
            #expect(failures.current.isEmpty, "round \(round): \(failures.current)")
            #expect(try a.items(runID: runID).count == 300)
        }
    }

    @Test func aLeaseIsExclusiveUntilReleasedOrItsHolderEnds() throws {
        for kind in StoreKind.testable {
            let location = try kind.freshLocation()
            let a = try openResultStore(location), b = try openResultStore(location)
            let held = try #require(try a.tryLeaseShard(runID: "r", shard: 1))
            #expect(try b.tryLeaseShard(runID: "r", shard: 1) == nil, "\(kind): the shard is taken")
            let otherShard = try b.tryLeaseShard(runID: "r", shard: 2)
            #expect(otherShard != nil, "\(kind): another shard is free")
            held.release()
            let next = try b.tryLeaseShard(runID: "r", shard: 1)
            #expect(next != nil, "\(kind): free once released")
        }
    }
}
