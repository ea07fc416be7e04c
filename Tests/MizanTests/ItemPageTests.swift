import Foundation
import Testing
import MizanCore
import MizanStore

/// `ResultStore.itemPage`: the bounded item queries of `mizan serve`, the same in SQLite and PostgreSQL.
@Suite(.timeLimit(.minutes(5))) struct ItemPageTests {
    @Test(arguments: StoreKind.testable) func filtersSearchAndKeysetPagesAgreeInBothStores(kind: StoreKind) throws {
        let store = try openResultStore(try kind.freshLocation())
        try store.createRun(StoreTests.run("r1"))
        let items = (0..<23).map { i -> ItemRecord in
            var item = StoreTests.item(String(format: "it-%02d", i), text: i == 5 ? "50% _done_ OK!" : "ⴰⵣⵓⵍ \(i)",
                                       failure: i == 7 ? EndpointFailure(kind: .timeout, message: "slow") : nil)
            item.language = i % 2 == 0 ? "ary-Arab" : "zgh-Tfng"
            if i != 7 { item.scores = [ScoreRecord(metric: "chrf", metricVersion: "chrf/1", value: Double(i) / 22)] }
            return item
        }
        try store.record(runID: "r1", items: items)
        var q = ItemQuery(limit: 10)
        var seen: [String] = []
        while true {
            let page = try store.itemPage(runID: "r1", query: q)
            #expect(page.total == 23 && page.items.count <= 10)
            seen += page.items.map(\.itemID)
            guard let next = page.next else { break }
            q.after = next
        }
        #expect(seen == items.map(\.itemID), "three pages in id order, each item once")
        let first = try store.itemPage(runID: "r1", query: ItemQuery(limit: 3))
        #expect(first.items[1].scores.map(\.metric) == ["chrf"] && first.items[1].response.text == "ⴰⵣⵓⵍ 1")

        var f = ItemQuery(limit: 100)
        f.language = "zgh-Tfng"
        f.metric = "chrf"
        f.minScore = 0.5
        let high = try store.itemPage(runID: "r1", query: f)
        #expect(high.items.map(\.itemID) == ["it-11", "it-13", "it-15", "it-17", "it-19", "it-21"] && high.total == 6 && high.next == nil)
        var failed = ItemQuery()
        failed.failed = true
        #expect(try store.itemPage(runID: "r1", query: failed).items.map(\.itemID) == ["it-07"])
        // LIKE's wildcards are literal in a search; ASCII letters match in either case.
        for (text, expected) in [("50%", ["it-05"]), ("_done_ ok", ["it-05"]), ("%", ["it-05"]), ("IT-1", (10...19).map { "it-\($0)" }), ("x_y", [])] {
            var s = ItemQuery(limit: 100)
            s.search = text
            #expect(try store.itemPage(runID: "r1", query: s).items.map(\.itemID) == expected, "search \(text)")
        }
    }
}
