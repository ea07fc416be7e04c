import Foundation
import Testing
import MizanCore
import MizanStore
import MizanTestSupport

/// A run whose items all ended in endpoint errors, or more of them than the error budget allows, is `failed`,
/// not `completed`; `compare --suite` skips it; `run` and `show` name the most frequent errors (issue 13, point 3).
@Suite(.serialized) struct FailedRunTests {
    /// A port on 127.0.0.1 that refuses connections for as long as this value lives: a socket bound to it that never
    /// listens. (A stopped test server's port could be taken by another test's server running in parallel, which would
    /// then answer this test's requests.)
    final class RefusingPort: Sendable {
        let fd: Int32
        let port: Int
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard fd >= 0, bound else { throw WaitTimeout(what: "a bound socket on 127.0.0.1", seconds: 0) }
            port = Int(UInt16(bigEndian: addr.sin_port))
        }
        deinit { close(fd) }
        /// The endpoint URL on this port.
        var endpoint: String { "http://127.0.0.1:\(port)/v1" }
    }

    /// A 10-item suite ("q 0" … "q 9") in `dir`.
    static func suite(_ dir: String) throws -> String {
        try ResponseCacheTests.suite(in: dir, count: 10).path
    }

    static func json(_ text: String) throws -> JSONValue { try #require(JSONValue.parse(text), "not JSON: \(text)") }

    @Test(.timeLimit(.minutes(2)), arguments: StoreKind.testable)
    func aRunWhoseEveryItemFailedIsFailedAndSaysWhy(kind: StoreKind) throws {
        let dir = TestEnv.tempDir()
        let store = try kind.freshLocation()
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        let args = ["run", "--suite", try Self.suite(dir), "--endpoint", closed.endpoint, "--limit", "3", "--store", store]
        let r = try TestEnv.run(TestEnv.mizanBinary, args + ["--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let out = try Self.json(r.stdout)
        let id = try #require(out["run_id"]?.stringValue)
        #expect(out["status"]?.stringValue == "failed" && out["errors"]?.doubleValue == 3)
        guard case .array(let top)? = out["top_errors"] else { Issue.record("top_errors"); return }
        #expect(top.count == 1 && top[0]["count"]?.doubleValue == 3 && top[0]["message"]?.stringValue?.hasPrefix("connect: ") == true)
        #expect(try openResultStore(store).run(matching: id).status == .failed)
        let runs = try TestEnv.run(TestEnv.mizanBinary, ["runs", "--store", store, "--format", "csv"])
        #expect(runs.stdout.contains("\(id),") && runs.stdout.contains(",failed,"))
        // The overview of `show` and of `run` names the error and its count.
        let show = try TestEnv.run(TestEnv.mizanBinary, ["show", id, "--store", store])
        let status = try #require(show.stdout.split(separator: "\n").first { $0.hasPrefix("status") })
        #expect(status.hasSuffix("failed"))
        let errors = try #require(show.stdout.split(separator: "\n").first { $0.hasPrefix("most frequent errors") })
        #expect(errors.contains("3 × connect: "), "\(show.stdout)")
        let table = try TestEnv.run(TestEnv.mizanBinary, args)
        #expect(table.status == 3 && table.stdout.contains("most frequent errors") && table.stdout.contains("3 × connect: "))
        #expect(table.stderr.contains("failed: every one of the 3 items sent ended in endpoint errors"))
    }

    @Test(.timeLimit(.minutes(2))) func theErrorBudgetDecidesAndAResumeCanComplete() throws {
        let dir = TestEnv.tempDir()
        let store = dir + "/r.sqlite"
        let folder = try Self.suite(dir)
        let failing = Locked<Set<String>>(["q 1", "q 2", "q 3"])
        let server = try TestHTTPServer(responder: ResumeTests.counting(Locked([:]), failing: failing))
        defer { server.stop() }
        let run = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store, "--no-cache", "--json"]
        // 3 of 10 items fail: beyond the default budget of 20%, within 50%.
        let over = try TestEnv.run(TestEnv.mizanBinary, run)
        let overJSON = try Self.json(over.stdout)
        #expect(over.status == 3 && overJSON["status"]?.stringValue == "failed", "\(over.stderr)")
        let within = try TestEnv.run(TestEnv.mizanBinary, run + ["--error-budget", "0.5"])
        let withinJSON = try Self.json(within.stdout)
        #expect(within.status == 0 && withinJSON["status"]?.stringValue == "completed", "\(within.stderr)")
        // Once the endpoint works, the failed run is resumed with its errors re-sent, and completes.
        failing.withLock { $0 = [] }
        let id = try #require(overJSON["run_id"]?.stringValue)
        let resumed = try TestEnv.run(TestEnv.mizanBinary, ["run", "--resume", id, "--retry-errors", "--store", store, "--json"])
        let resumedJSON = try Self.json(resumed.stdout)
        #expect(resumed.status == 0 && resumedJSON["status"]?.stringValue == "completed", "\(resumed.stderr)")
    }

    @Test(.timeLimit(.minutes(2))) func theOverviewListsTheThreeMostFrequentErrors() throws {
        let dir = TestEnv.tempDir()
        let store = dir + "/r.sqlite"
        let statuses = ["q 1": 400, "q 2": 400, "q 3": 400, "q 4": 404, "q 5": 404, "q 6": 422, "q 7": 401]
        let server = try TestHTTPServer(responder: { req in
            if let code = statuses[req.prompt] { return .status(code, body: "no \(code)") }
            return .text("a")
        })
        defer { server.stop() }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", try Self.suite(dir), "--endpoint", server.baseURL + "/v1",
                                                      "--store", store, "--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let id = try #require(try Self.json(r.stdout)["run_id"]?.stringValue)
        let show = try TestEnv.run(TestEnv.mizanBinary, ["show", id, "--store", store])
        let lines = show.stdout.split(separator: "\n").map(String.init)
        let first = try #require(lines.firstIndex { $0.hasPrefix("most frequent errors") })
        #expect(lines[first].hasSuffix("3 × http_status: HTTP 400: no 400"))
        #expect(lines[first + 1].hasSuffix("2 × http_status: HTTP 404: no 404"))
        #expect(lines[first + 2].hasSuffix("1 × http_status: HTTP 401: no 401"), "ties in message order")
        #expect(!show.stdout.contains("HTTP 422"), "three messages only")
        let errors = try #require(lines.first { $0.hasPrefix("errors") })
        #expect(errors.contains("7 of 10 sent (70.0%)"))
    }

    @Test(.timeLimit(.minutes(3))) func compareBySuiteAndTheGateSkipFailedRuns() throws {
        let dir = TestEnv.tempDir()
        let store = dir + "/r.sqlite"
        let folder = try Self.suite(dir)
        let broken = Locked(false)
        let a = try TestHTTPServer(responder: { _ in .text("a 1") })
        let b = try TestHTTPServer(responder: { _ in broken.current ? .status(400, body: "down") : .text("a 2") })
        defer { a.stop(); b.stop() }
        func run(_ server: TestHTTPServer) throws -> (Int32, String) {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store,
                                                          "--no-cache", "--json"])
            return (r.status, try #require(try Self.json(r.stdout)["run_id"]?.stringValue))
        }
        let (_, onA) = try run(a)
        let (_, onB) = try run(b)
        broken.withLock { $0 = true }
        let (status, failedOnB) = try run(b)
        #expect(status == 3)
        let bySuite = try TestEnv.run(TestEnv.mizanBinary, ["compare", "--suite", "cache-suite", "--store", store, "--format", "json"])
        #expect(bySuite.status == 0, "\(bySuite.stderr)")
        guard case .array(let columns)? = try Self.json(bySuite.stdout)["columns"] else { Issue.record("columns"); return }
        let picked = columns.compactMap { column -> String? in
            guard case .array(let runs)? = column["runs"] else { return nil }
            return runs.first?["id"]?.stringValue
        }
        #expect(picked == [onA, onB], "the failed run is skipped")
        #expect(bySuite.stderr.contains("skipped failed run \(failedOnB)"))
        // Named explicitly, a failed run is compared, with a warning.
        let named = try TestEnv.run(TestEnv.mizanBinary, ["compare", onA, failedOnB, "--store", store])
        #expect(named.status == 0 && named.stderr.contains("run \(failedOnB) failed"), "\(named.stderr)")
        // The gate's candidate run against the broken endpoint is stored as failed (exit 3: undecidable).
        let gate = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", onA, "--endpoint", b.baseURL + "/v1", "--store", store])
        #expect(gate.status == 3, "\(gate.stdout) \(gate.stderr)")
        let newest = try #require(try SQLiteStore(path: store).runs().first)
        #expect(newest.id != failedOnB && newest.status == .failed)
    }

    @Test(.timeLimit(.minutes(2)), arguments: StoreKind.testable)
    func aShardedRunWhoseShardsFailedIsFailed(kind: StoreKind) throws {
        let dir = TestEnv.tempDir()
        let store = try kind.freshLocation()
        let folder = try Self.suite(dir)
        let closed = try RefusingPort()
        defer { withExtendedLifetime(closed) {} }
        let endpoint = closed.endpoint
        for shard in ["0/2", "1/2"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", endpoint, "--store", store,
                                                          "--name", "doomed", "--shard", shard, "--json"])
            #expect(r.status == 3, "\(r.stderr)")
        }
        let opened = try openResultStore(store)
        let run = try #require(try opened.runs().first { $0.manifest["name"]?.stringValue == "doomed" })
        #expect(run.status == .failed && run.finishedAt != nil)
        #expect(try opened.shards(runID: run.id).map(\.status) == [.failed, .failed])
    }
}
