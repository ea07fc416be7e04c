import Foundation
import Testing
import MizanCore
import MizanStore

/// The SQLite store on real files.
@Suite struct StoreTests {
    static func run(_ id: String) -> RunRecord {
        RunRecord(id: id, suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m", status: "running",
                  startedAt: isoNow(), itemCount: 2, manifest: .object(["k": .string("v")]))
    }

    static func item(_ id: String, text: String?, failure: EndpointFailure? = nil) -> ItemRecord {
        ItemRecord(itemID: id, language: "ary-Arab", requestHash: "rh", prompt: "p",
                   response: ModelResponse(text: text, httpStatus: failure == nil ? 200 : 503, latency: 0.5, timeToFirstToken: 0.1,
                                           usage: TokenUsage(promptTokens: 5, completionTokens: 2), finishReason: "stop", failure: failure),
                   scores: text == nil ? [] : [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: 1, details: .object(["n": .number(1)]))],
                   references: ["مرحبا"], fields: ["id": .string(id)])
    }

    @Test func roundTripsRunsItemsAndScoresExactly() throws {
        let path = TestEnv.tempDir() + "/store.sqlite"
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == SQLiteStore.migrations.count)
        try store.createRun(Self.run("r1"))
        let text = "مرحبا\u{200F} ⴰⵣⵓⵍ e\u{301}"
        try store.record(runID: "r1", item: Self.item("i1", text: text))
        try store.record(runID: "r1", item: Self.item("i2", text: nil, failure: EndpointFailure(kind: .httpStatus, message: "HTTP 503")))
        try store.finishRun(id: "r1", status: "completed", finishedAt: isoNow())
        let reopened = try SQLiteStore(path: path)
        let run = try reopened.run(matching: "r")
        #expect(run.status == "completed" && run.manifest["k"]?.stringValue == "v")
        let items = try reopened.items(runID: "r1")
        #expect(items.count == 2)
        #expect(items[0].response.text?.unicodeScalars.elementsEqual(text.unicodeScalars) == true)
        #expect(items[0].scores.first?.value == 1 && items[0].references == ["مرحبا"])
        #expect(items[0].response.timeToFirstToken == 0.1 && items[0].response.usage.completionTokens == 2)
        #expect(items[1].response.failure?.kind == .httpStatus && items[1].scores.isEmpty)
    }

    @Test func unknownAndAmbiguousRunIdsSayWhatToDo() throws {
        let store = try SQLiteStore(path: TestEnv.tempDir() + "/s.sqlite")
        try store.createRun(Self.run("abc1"))
        try store.createRun(Self.run("abc2"))
        #expect { try store.run(matching: "abc") } throws: { "\($0)".contains("ambiguous") }
        #expect { try store.run(matching: "zzz") } throws: { "\($0)".contains("mizan runs") }
    }

    @Test func twoConnectionsWritingConcurrentlyLoseNothing() async throws {
        let path = TestEnv.tempDir() + "/shared.sqlite"
        let a = try SQLiteStore(path: path), b = try SQLiteStore(path: path)
        try a.createRun(Self.run("ra"))
        try b.createRun(Self.run("rb"))
        await withTaskGroup(of: Void.self) { group in
            for (store, run) in [(a, "ra"), (b, "rb")] {
                group.addTask { for i in 0..<200 { try? store.record(runID: run, item: Self.item("i\(i)", text: "t\(i)")) } }
            }
        }
        #expect(try a.items(runID: "ra").count == 200)
        #expect(try a.items(runID: "rb").count == 200)
    }
}
