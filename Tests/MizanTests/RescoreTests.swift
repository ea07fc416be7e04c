import Foundation
import Testing
import MizanCore
import MizanMetrics
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// `Rescorer` and `mizan rescore`: scores recomputed from stored outputs, never from the model.
@Suite(.timeLimit(.minutes(5))) struct RescoreTests {
    static let arabicDigits = ["٠", "١", "٢", "٣"]

    /// Stores a run of 4 items answered "a <Arabic-Indic digit>" (exact/l1 = 1, exact/none = 0); item 3 fails.
    static func storedRun(in dir: String) async throws -> (TestHTTPServer, String, String) {
        let server = try TestHTTPServer { req in
            req.prompt == "q 3" ? .status(503, body: "{}") : .text("a " + arabicDigits[Int(req.prompt.dropFirst(2))!])
        }
        let folder = try TestEnv.writeSuite(in: dir, items: (0..<4).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
        let path = dir + "/r.sqlite"
        let outcome = try await Runner(store: try SQLiteStore(path: path), harnessVersion: "test")
            .run(RunRequest(suite: try SuiteLoader.load(folder: folder), endpoint: TestEnv.endpoint(server)))
        return (server, path, outcome.runID)
    }

    @Test func rescoreAddsChrfAndReplacesExactWithoutRequests() async throws {
        let dir = TestEnv.tempDir()
        let (server, path, runID) = try await Self.storedRun(in: dir)
        defer { server.stop() }
        let store = try SQLiteStore(path: path)
        let before = try store.items(runID: runID)
        #expect(before.filter { $0.response.failure == nil }.allSatisfy { $0.scores.first?.value == 1 && $0.scores.first?.metricVersion == "exact/1 l1" })
        let requests = server.requestCount

        let outcome = try await Rescorer(store: store, harnessVersion: "test").rescore(RescoreRequest(
            runID: String(runID.prefix(17)),
            metrics: [MetricSpec(name: "chrf"), MetricSpec(name: "exact", options: ["normalize": .string("none")])]))
        #expect(server.requestCount == requests)
        #expect(outcome.runID == runID && outcome.scored == 3 && outcome.skipped == 1)
        #expect(outcome.versions["exact"] == "exact/1 none")

        let after = Dictionary(uniqueKeysWithValues: try store.items(runID: runID).map { ($0.itemID, $0) })
        for id in ["item-0", "item-1", "item-2"] {
            let scores = Dictionary(uniqueKeysWithValues: try #require(after[id]).scores.map { ($0.metric, $0) })
            #expect(scores["exact"]?.value == 0 && scores["exact"]?.metricVersion == "exact/1 none")
            let chrf = try #require(scores["chrf"])
            #expect(chrf.metricVersion.hasPrefix("chrf") && chrf.value != nil && chrf.value! < 100)
        }
        #expect(after["item-3"]?.scores.isEmpty == true)

        let manifest = try store.run(matching: runID).manifest
        let names = manifest["metrics"].flatMap { m -> [String]? in
            if case .array(let a) = m { return a.compactMap { $0["name"]?.stringValue } } else { return nil }
        }
        #expect(names == ["exact", "chrf"])
        guard case .array(let rescores)? = manifest["rescores"] else { Issue.record("no rescores entry"); return }
        #expect(rescores.count == 1)
        #expect(rescores[0]["items_scored"]?.doubleValue == 3 && rescores[0]["at"]?.stringValue != nil)
        #expect(rescores[0]["metrics"]?.canonicalJSON.contains("exact/1 none") == true)
        let summary = Summarizer.summarize(run: try store.run(matching: runID), items: Array(after.values))
        #expect(summary.metrics["exact"]?.mean == 0 && summary.corpus["chrf"]?["all"] != nil)

        // Default: the manifest's metrics (now exact/none and chrf) are recomputed, and a second entry is recorded.
        _ = try await Rescorer(store: store, harnessVersion: "test").rescore(RescoreRequest(runID: runID))
        if case .array(let again)? = try store.run(matching: runID).manifest["rescores"] { #expect(again.count == 2) }
        #expect(server.requestCount == requests)
    }

    @Test func unknownRunAndBadMetricAreClearErrors() async throws {
        let dir = TestEnv.tempDir()
        let store = try SQLiteStore(path: dir + "/empty.sqlite")
        do {
            _ = try await Rescorer(store: store, harnessVersion: "test").rescore(RescoreRequest(runID: "20990101-nope"))
            Issue.record("expected an error")
        } catch let e as UsageError {
            #expect(e.message.contains("no run '20990101-nope'"))
        }
        let (server, path, runID) = try await Self.storedRun(in: dir)
        defer { server.stop() }
        do {
            _ = try await Rescorer(store: try SQLiteStore(path: path), harnessVersion: "test")
                .rescore(RescoreRequest(runID: runID, metrics: [MetricSpec(name: "blue")]))
            Issue.record("expected an error")
        } catch let e as UsageError {
            #expect(e.message.contains("unknown metric 'blue'"))
        }
    }

    @Test func cliRescorePrintsTheSummaryAndFailsOnUnknownRuns() async throws {
        let dir = TestEnv.tempDir()
        let (server, path, runID) = try await Self.storedRun(in: dir)
        defer { server.stop() }
        let requests = server.requestCount
        let r = try TestEnv.run(TestEnv.mizanBinary, ["rescore", runID, "--metrics", "chrf++", "--metric-spec",
                                                      #"{"name":"bleu","tokenize":"intl"}"#, "--store", path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ary-Arab,chrf++,") && r.stdout.contains("ary-Arab,bleu,") && r.stdout.contains("ary-Arab,exact,1"))
        #expect(r.stderr.contains("rescored 3 items (1 failed items left unscored)"))
        #expect(server.requestCount == requests)
        let missing = try TestEnv.run(TestEnv.mizanBinary, ["rescore", "nope", "--store", path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no run 'nope'"))
        let bad = try TestEnv.run(TestEnv.mizanBinary, ["rescore", runID, "--metric-spec", "[1]", "--store", path])
        #expect(bad.status == 2 && bad.stderr.contains("--metric-spec must be a JSON object"))
    }
}
