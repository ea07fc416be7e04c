import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import MizanCore
import MizanGate
import MizanReport
import MizanStore
import MizanTestSupport

/// The confidence sequence behind `mizan gate --sequential`: known values, monotone bounds, coverage on a seeded simulation.
@Suite struct ConfidenceSequenceTests {
    @Test func constantValuesGiveTheKnownCapitalAndBound() {
        // All values 0.5 in [0, 1] and m = 0.25: every bet is truncated at c / m = 3 (the plug-in bet is larger), so each
        // value multiplies the capital by 1 + 3 · 0.25 = 1.75, and the lower bound passes 0.25 once 1.75^t ≥ 1/α = 20:
        // t = ⌈log 20 / log 1.75⌉ = 6.
        var cs = BettingConfidenceSequence(low: 0, high: 1, alpha: 0.05)
        for _ in 0..<5 { cs.add(0.5) }
        #expect(!cs.establishesAbove(0.25))
        cs.add(0.5)
        #expect(cs.establishesAbove(0.25))
        #expect(abs(BettingConfidenceSequence.maxLogCapital(cs.scaled, Array(repeating: 10, count: 6), 0.25) - 6 * log(1.75)) < 1e-12)
        #expect(cs.lowerBound > 0.25 && cs.lowerBound < 0.5 && cs.upperBound > 0.5 && cs.upperBound < 0.75)
        // The same in another range: values 0 in [−1, 1] behave as 0.5 in [0, 1].
        var paired = BettingConfidenceSequence(low: -1, high: 1, alpha: 0.05)
        for _ in 0..<6 { paired.add(0) }
        #expect(paired.establishesAbove(-0.5) && !paired.establishesAbove(0) && paired.establishesBelow(0.5))
        #expect(abs(paired.lowerBound - (2 * cs.lowerBound - 1)) < 1e-9)
    }

    @Test func boundsOnlyTightenAndContainTheMeanSeen() {
        var rng = SplitMix64(seed: 42)
        var cs = BettingConfidenceSequence(low: 0, high: 100, alpha: 0.05)
        var (lastLow, lastHigh) = (cs.lowerBound, cs.upperBound)
        #expect(lastLow == 0 && lastHigh == 100)
        for _ in 0..<200 {
            cs.add(Double(rng.next() % 1000) / 10)
            let (lo, hi) = (cs.lowerBound, cs.upperBound)
            #expect(lo >= lastLow - 1e-9 && hi <= lastHigh + 1e-9, "the running intersection never widens")
            #expect(lo <= cs.mean! && cs.mean! <= hi)
            (lastLow, lastHigh) = (lo, hi)
        }
        #expect(lastHigh - lastLow < 25, "200 values narrow the bound: [\(lastLow), \(lastHigh)]")
        // Monotone in m: established above m means established above every smaller m.
        for m in stride(from: 0.0, through: 100, by: 5) where cs.establishesAbove(m) { #expect(cs.establishesAbove(m - 2.5)) }
    }

    @Test func coverageHoldsOverTimeOnASeededSimulation() {
        // 400 sequences of 150 skewed 0/1 and continuous values: the share whose one-sided bound ever excludes the true
        // mean (at any time, not just at the end) stays at most α = 0.1 (plus simulation slack).
        var rng = SplitMix64(seed: 7)
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        var missesLow = 0, missesHigh = 0
        let runs = 400
        for r in 0..<runs {
            var cs = BettingConfidenceSequence(low: 0, high: 1, alpha: 0.1)
            let truth = r % 2 == 0 ? 0.8 : 0.4  // Bernoulli(0.8), or 0.3 + 0.3 U² (mean 0.4)
            for _ in 0..<150 { cs.add(r % 2 == 0 ? (uniform() < 0.8 ? 1 : 0) : 0.3 + 0.3 * pow(uniform(), 2)) }
            if cs.establishesAbove(truth) { missesLow += 1 }
            if cs.establishesBelow(truth) { missesHigh += 1 }
        }
        #expect(Double(missesLow) / Double(runs) <= 0.1 && Double(missesHigh) / Double(runs) <= 0.1, "misses \(missesLow), \(missesHigh)")
    }

    @Test func withoutReplacementTheBoundCoversThePopulationMeanAndClosesOnIt() {
        // One fixed population of 60 skewed values; 300 random orders: the share of orders whose lower (upper) bound ever
        // passes the population mean stays at most α = 0.1, and once every value is seen the bound closes in on that mean.
        var rng = SplitMix64(seed: 99)
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let population = (0..<60).map { _ in pow(uniform(), 3) }
        let truth = population.reduce(0, +) / 60
        var missesLow = 0, missesHigh = 0
        var last = BettingConfidenceSequence(low: 0, high: 1, alpha: 0.1, population: 60)
        for _ in 0..<300 {
            var cs = BettingConfidenceSequence(low: 0, high: 1, alpha: 0.1, population: 60)
            for x in SequentialMonitor.order(population, count: 60, seed: rng.next()) { cs.add(x) }
            if cs.establishesAbove(truth) { missesLow += 1 }
            if cs.establishesBelow(truth) { missesHigh += 1 }
            last = cs
        }
        #expect(Double(missesLow) / 300 <= 0.1 && Double(missesHigh) / 300 <= 0.1, "misses \(missesLow), \(missesHigh)")
        #expect(last.lowerBound <= truth && truth <= last.upperBound && last.upperBound - last.lowerBound < 0.05,
                "[\(last.lowerBound), \(last.upperBound)] around \(truth)")
        // Independent draws (no population) never close in like that.
        var iid = BettingConfidenceSequence(low: 0, high: 1, alpha: 0.1)
        for x in population { iid.add(x) }
        #expect(iid.upperBound - iid.lowerBound > 0.1)
    }

    @Test func decisionsFollowTheBoundAndTheOrderIsSeeded() {
        var worse = BettingConfidenceSequence(low: -1, high: 1, alpha: 0.05)
        for _ in 0..<10 { worse.add(1) }
        #expect(SequentialMonitor.decide(worse, failBeyond: 0, passWithin: 0.1, failsLow: false) == .regression)
        var same = BettingConfidenceSequence(low: -1, high: 1, alpha: 0.05)
        for _ in 0..<10 { same.add(0) }
        #expect(SequentialMonitor.decide(same, failBeyond: 0, passWithin: 0.1, failsLow: false) == .undecided)
        for _ in 0..<40 { same.add(0) }
        #expect(SequentialMonitor.decide(same, failBeyond: 0, passWithin: 0.1, failsLow: false) == .pass)
        let ids = (0..<10).map(String.init)
        let a = SequentialMonitor.order(ids, count: 8, seed: 3)
        #expect(a == SequentialMonitor.order(ids, count: 8, seed: 3) && a != SequentialMonitor.order(ids, count: 8, seed: 4))
        #expect(Set(a.prefix(8)) == Set(ids.prefix(8)) && Array(a.suffix(2)) == ["8", "9"])
    }
}

/// `mizan gate --sequential` end to end: CLI binary, the real test server, a real SQLite store.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SequentialGateTests {
    static func rules(_ s: GateTests.Setup, _ body: String) throws -> String {
        let path = s.dir + "/seq-rules.yaml"
        try Data(body.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aClearlyWorseEndpointFailsEarly() throws {
        let s = try GateTests.baseline()
        let worse = try GateTests.server(wrong: ["zgh-Tfng": 40])
        defer { worse.stop() }
        let rules = try Self.rules(s, "version: 1\ndefaults:\n  sequential_margin: 0.3\n")
        let r = try GateTests.gate(s, worse, ["--sequential", "--seed", "11", "--rules", rules, "--concurrency", "2"])
        #expect(r.status == 1, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        let used = try #require(Self.itemsUsed(r.stdout))
        #expect(used < 120, "stopped before the last of the 120 items: \(r.stdout)")
        #expect(r.stdout.contains("sequential: \(used) of 120 items (seed 11), stopped early"))
        #expect(r.stdout.contains("Sequential tests:") && r.stdout.contains("| regression |") || r.stdout.contains(" regression "))
        #expect(r.stdout.contains("worsening established above"))
        let junit = try String(contentsOfFile: s.dir + "/junit.xml", encoding: .utf8)
        #expect(XMLParser(data: Data(junit.utf8)).parse(), "the JUnit report is well-formed XML")
        #expect(junit.contains(#"<property name="sequential.items_used" value="\#(used)"/>"#))
        #expect(junit.contains(#"<property name="sequential.stopped_early" value="true"/>"#))
        let md = try String(contentsOfFile: s.dir + "/gate.md", encoding: .utf8)
        #expect(md.contains("### Sequential tests") && md.contains("stopped early"))
        // The stored candidate run holds only the items used, is completed, and records the seed.
        let store = try SQLiteStore(path: s.store)
        let run = try #require(try store.runs().first { $0.manifest["sequential"] != nil })
        #expect(run.status == .completed)
        #expect(run.manifest["sequential"]?["seed"]?.stringValue == "11")
        #expect(run.manifest["sequential"]?["items_used"]?.doubleValue == Double(used))
        #expect(try store.items(runID: run.id).count == used)
    }

    @Test func anIdenticalEndpointPassesEarly() throws {
        let s = try GateTests.baseline()
        let same = try GateTests.server()
        defer { same.stop() }
        let rules = try Self.rules(s, "version: 1\nsequential: true\ndefaults:\n  sequential_margin: 0.3\n")
        let r = try GateTests.gate(s, same, ["--seed", "5", "--rules", rules, "--concurrency", "2"])
        #expect(r.status == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        let used = try #require(Self.itemsUsed(r.stdout))
        #expect(used < 120, "\(r.stdout)")
        #expect(r.stdout.contains("gate PASSED") && r.stdout.contains("(seed 5), stopped early"))
        #expect(r.stdout.contains(" pass "))
        let md = try String(contentsOfFile: s.dir + "/gate.md", encoding: .utf8)
        #expect(md.contains("## ✅ mizan gate") && md.contains("sequential: \(used) of 120 items"))
    }

    @Test func withTheDefaultMarginAn40ItemSliceRunsOutAndIsDecidedAsBefore() throws {
        // Indifference margin 0.1 on 40 items per language: no slice can be decided early, every item is sent, and
        // the gate decides as the fixed-size gate does, saying where the bounds ended.
        let s = try GateTests.baseline()
        let same = try GateTests.server()
        defer { same.stop() }
        let r = try GateTests.gate(s, same, ["--sequential", "--seed", "5", "--all"])
        #expect(r.status == 0, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stdout.contains("sequential: 120 of 120 items (seed 5), ran every item"))
        #expect(r.stdout.contains("confidence sequence of the worsening"))
    }

    @Test func aMetricWithoutAKnownRangeIsRefusedBeforeAnythingIsSent() throws {
        let dir = TestEnv.tempDir()
        let items = (0..<6).map { #"{"id":"i\#($0)","lang":"ary-Arab","input":"q ary-Arab \#($0)","reference":"a ary-Arab \#($0)"}"# }
        let folder = try TestEnv.writeSuite(in: dir, id: "ter-suite", yaml: TestEnv.suiteYAML(id: "ter-suite", metrics: "[ter]"), items: items)
        let store = dir + "/s.sqlite"
        let server = try GateTests.server()
        defer { server.stop() }
        let run = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store, "--json"])
        let runID = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue, "\(run.stderr)")
        let requestsBefore = server.requestCount
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", runID, "--suite", folder, "--endpoint", server.baseURL + "/v1",
                                                      "--store", store, "--sequential"])
        #expect(r.status == 2, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stderr.contains("metric 'ter'") && r.stderr.contains("no known range") && r.stderr.contains("without --sequential"))
        #expect(server.requestCount == requestsBefore, "nothing was sent")
    }

    /// The `N` of `sequential: N of M items`.
    static func itemsUsed(_ text: String) -> Int? {
        guard let r = text.range(of: "sequential: ") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }
}
