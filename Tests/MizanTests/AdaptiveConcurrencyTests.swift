import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanStore
import MizanTestSupport

/// `--concurrency auto`: the tuner's decisions on synthetic servers, and whole CLI runs against the test
/// server's knee and rate-limited modes (assertions on the controller's decisions, never on timing).
@Suite(.serialized, .timeLimit(.minutes(5))) struct AdaptiveConcurrencyTests {
    /// Feeds the tuner `windows` windows from a server whose throughput is `rate(limit)` and which overloads
    /// above `overloadAbove`; returns every (limit, reason) decision.
    static func simulate(windows: Int, overloadAbove: Int = .max, rate: (Int) -> Double) -> [(window: Int, limit: Int, reason: String)] {
        var tuner = ConcurrencyTuner(initial: 2, maximum: 64)
        var out: [(window: Int, limit: Int, reason: String)] = []
        for i in 0..<windows {
            let l = tuner.limit
            let w = ConcurrencyWindow(limit: l, completions: 2 * l, seconds: Double(2 * l) / rate(l), outputTokens: nil,
                                      meanLatency: Double(l) / rate(l), overloads: l > overloadAbove ? 1 : 0)
            let d = tuner.decide(w)
            out.append((i, d.limit, d.reason))
        }
        return out
    }

    @Test func theTunerRisesToTheKneeAndSettlesThere() {
        // Four places, 10 requests/s each: throughput min(L, 4) × 10.
        let steps = Self.simulate(windows: 60) { Double(min($0, 4)) * 10 }
        #expect(Array(steps.prefix(3).map(\.limit)) == [4, 8, 4], "\(steps.prefix(3))")
        #expect(steps[2].reason == "knee")
        let after = steps.dropFirst(3)
        #expect(after.allSatisfy { (3...5).contains($0.limit) }, "\(after.map(\.limit))")
        #expect(after.filter { $0.reason == "hold" }.allSatisfy { $0.limit == 4 })
        #expect(after.contains { $0.reason == "probe up: no gain" } && after.contains { $0.reason == "probe down: lost throughput" })
        // Probes that do not pay come less often: the gaps between them never shrink and grow past the first.
        let probes = steps.filter { $0.reason == "probe up" || $0.reason == "probe down" }.map(\.window)
        let gaps = zip(probes.dropFirst(), probes).map { $0 - $1 }
        #expect(gaps.count >= 3 && zip(gaps.dropFirst(), gaps).allSatisfy { $0 >= $1 } && gaps.last! > gaps.first!, "probes at \(probes)")
    }

    /// A window that measured its requests in flight estimates throughput by Little's law (in flight ÷ mean time in
    /// flight), not by completions over its wall time, which a window's first round of filling the places biases.
    @Test func windowThroughputFollowsLittlesLaw() {
        let w = ConcurrencyWindow(limit: 4, completions: 8, seconds: 2.9, outputTokens: 192, meanLatency: 1.0, overloads: 0, inFlight: 4)
        #expect(w.itemsPerSecond == 4 && w.tokensPerSecond == 96)
        let old = ConcurrencyWindow(limit: 4, completions: 8, seconds: 2, outputTokens: 192, meanLatency: 1.0, overloads: 0)
        #expect(old.itemsPerSecond == 4 && old.tokensPerSecond == 96)
    }

    @Test func aHighKneeIsFoundBySlowStartThenProbingDown() {
        let steps = Self.simulate(windows: 40) { Double(min($0, 24)) * 10 }
        #expect(steps.map(\.limit).max() == 64)
        // After the knee: 32, a probe down to 24 keeps the throughput; it holds there.
        let holds = steps.dropFirst(20).filter { $0.reason == "hold" }
        #expect(!holds.isEmpty && holds.allSatisfy { $0.limit == 24 }, "\(steps.map(\.limit))")
    }

    @Test func overloadCutsTheLimitAndCapsItBelowTheOverloadedValue() {
        // Overloaded above 3 requests in flight.
        let steps = Self.simulate(windows: 120, overloadAbove: 3) { Double(min($0, 8)) * 10 }
        #expect(steps[1].reason == "overload" && steps[1].limit == 3, "\(steps.prefix(4))")
        var previous = 2
        for s in steps {
            if s.reason == "overload" { #expect(s.limit < previous) }
            previous = s.limit
        }
        let over = steps.dropFirst(2).filter { $0.limit > 3 }.count
        #expect(over * 8 <= steps.count, "limits above the overload point: \(steps.map(\.limit))")
        // Each new try of 4 comes later than the one before (the wait doubles after each overload there).
        let tries = steps.filter { $0.reason == "probe up" && $0.limit == 4 }.map(\.window)
        let gaps = zip(tries.dropFirst(), tries).map { $0 - $1 }
        #expect(tries.count >= 3 && zip(gaps.dropFirst(), gaps).allSatisfy { $0 > $1 }, "tries of 4 at windows \(tries)")
        let holds = steps.dropFirst(2).filter { $0.reason == "hold" }.map(\.limit)
        #expect(holds.allSatisfy { (2...3).contains($0) } && holds.filter { $0 == 3 }.count > holds.filter { $0 == 2 }.count, "\(holds)")
    }

    /// A suite of `n` items whose prompts are distinct.
    static func suite(_ n: Int, in dir: String) throws -> String {
        try TestEnv.writeSuite(in: dir, items: (0..<n).map { #"{"id":"i\#($0)","input":"question \#($0)","reference":"x"}"# })
    }

    static func autoRun(_ server: TestHTTPServer, items: Int, initial: Int? = nil) throws
        -> (manifest: RunManifest, items: [ItemRecord], stdout: String) {
        let dir = TestEnv.tempDir()
        let folder = try suite(items, in: dir)
        let store = dir + "/auto.sqlite"
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1",
                                                      "--concurrency", "auto", "--store", store, "--json"],
                               environment: initial.map { ProcessInfo.processInfo.environment.merging(["MIZAN_AUTO_INITIAL": String($0)]) { $1 } })
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        let runID = try #require(json["run_id"]?.stringValue)
        let sqlite = try SQLiteStore(path: store)
        return (try sqlite.run(matching: runID).runManifest, try sqlite.items(runID: runID), r.stdout)
    }

    @Test func autoRisesToTheServersKneeAndRecordsItsSteps() throws {
        let model = CapacityModel(capacity: 4, serviceSeconds: 0.1, overflow: .queue)
        let server = try TestHTTPServer { model.reply($0) }
        defer { server.stop() }
        // Started low (MIZAN_AUTO_INITIAL=2), as on a server that does not report its slots.
        let (manifest, items, _) = try Self.autoRun(server, items: 300, initial: 2)
        #expect(items.count == 300 && items.allSatisfy { $0.response.failure == nil })
        let c = try #require(manifest.concurrency)
        #expect(c.mode == "auto" && c.initial == 2 && c.maximum == 64)
        let steps = try #require(c.steps)
        #expect(steps.first?.reason == "start" && steps.first?.limit == 2)
        let limits = steps.compactMap(\.limit)
        #expect(limits.max() ?? 0 >= 4, "auto never reached the knee: \(limits)")
        #expect((c.windows ?? 0) >= 3, "slow start and at least one decision after it")
        let final = try #require(c.final)
        // Near the knee: the client's own time per request (a loaded machine) can move it up a little, never to the maximum.
        #expect((3...16).contains(final), "settled at \(final): \(limits)")
        #expect(model.peak == 4, "the server's capacity was reached")
        #expect(manifest.endpoint?.config?.extra["concurrency"] == .string("auto"))
    }

    /// A llama.cpp server reports its slots in /props (the test server says 4): auto starts there, and slow start
    /// still tries above it before settling.
    @Test func autoStartsAtTheSlotsTheServerReports() throws {
        let model = CapacityModel(capacity: 4, serviceSeconds: 0.05, overflow: .queue)
        let server = try TestHTTPServer { model.reply($0) }
        defer { server.stop() }
        let (manifest, items, _) = try Self.autoRun(server, items: 200)
        #expect(items.count == 200 && items.allSatisfy { $0.response.failure == nil })
        let c = try #require(manifest.concurrency)
        #expect(c.initial == 4 && c.steps?.first?.limit == 4, "\(c)")
        #expect(c.steps?.contains { $0.reason == "rising" && $0.limit == 8 } == true, "\(c.steps ?? [])")
    }

    @Test func autoBacksOffOn429AndLosesNoItem() throws {
        let model = CapacityModel(capacity: 3, serviceSeconds: 0.04, overflow: .reject)
        let server = try TestHTTPServer { model.reply($0) }
        defer { server.stop() }
        let (manifest, items, _) = try Self.autoRun(server, items: 200)
        #expect(model.rejected > 0, "the server never rejected: the controller was never tested")
        #expect(items.count == 200 && items.allSatisfy { $0.response.failure == nil })
        let steps = try #require(manifest.concurrency?.steps)
        let overloads = steps.filter { $0.reason == "overload" }
        #expect(!overloads.isEmpty, "\(steps.map { $0.reason ?? "" })")
        #expect(overloads.allSatisfy { ($0.limit ?? 99) < ($0.from ?? 0) })
        #expect((manifest.concurrency?.final ?? 99) <= 4)
    }

    @Test func fixedConcurrencyIsRecordedAndOldManifestsReadWithoutIt() throws {
        let m = RunManifest(json: .object(["manifest_version": .number(1)]))
        #expect(m.concurrency == nil && m.ordering == nil && m.json == .object(["manifest_version": .number(1)]))
        let part = RunManifest.Concurrency(mode: "auto", initial: 2, maximum: 64, final: 4, windows: 9,
                                           steps: [RunManifest.Step(time: 0.5, limit: 4, from: 2, reason: "rising", itemsPerSecond: 10,
                                                                    tokensPerSecond: nil, latency: 0.2)])
        var withPart = m
        withPart.concurrency = part
        #expect(RunManifest(json: withPart.json).json == withPart.json)
        #expect(RunManifest(json: withPart.json).concurrency?.steps?.first?.reason == "rising")
        #expect(ConcurrencyChoice(text: "auto") == .auto && ConcurrencyChoice(text: "3") == .fixed(3) && ConcurrencyChoice(text: "0") == nil)
    }

    @Test func aBadConcurrencyInTheConfigIsAClearError() throws {
        let dir = TestEnv.tempDir()
        let config = dir + "/mizan.yaml"
        try "endpoints:\n  local:\n    url: http://127.0.0.1:9/v1\n    concurrency: lots\n".write(toFile: config, atomically: true, encoding: .utf8)
        let folder = try Self.suite(2, in: dir)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", "local", "--config", config,
                                                      "--store", dir + "/s.sqlite"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("mizan.yaml") && r.stderr.contains("concurrency must be a positive whole number or auto"), "\(r.stderr)")
    }
}
