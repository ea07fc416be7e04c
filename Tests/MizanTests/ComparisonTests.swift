import Foundation
import MizanCore
import MizanReport
import MizanStore
import Testing

@Suite(.timeLimit(.minutes(5))) struct PairedStatisticsTests {
    @Test func mcnemarMatchesTheExactBinomialTail() {
        // b = 10, c = 2: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 158 / 4096.
        #expect(abs(PairedStatistics.mcnemarExact(b: 10, c: 2) - 158.0 / 4096.0) < 1e-12)
        #expect(PairedStatistics.mcnemarExact(b: 5, c: 5) == 1)
        #expect(PairedStatistics.mcnemarExact(b: 0, c: 0) == 1)
        // Large counts stay finite (log-space sum): 2 · P(X ≤ 400) for X ~ Bin(1000, ½) is far below 1e-9.
        let big = PairedStatistics.mcnemarExact(b: 600, c: 400)
        #expect(big > 0 && big < 1e-9)
    }

    @Test func randomizationAgreesWithTheExactPermutationTest() {
        let diffs: [Double] = [0.3, -0.1, 0.25, 0.4, 0.05, -0.2, 0.35, 0.15, 0.1, 0.3, -0.05, 0.2]
        // Exact: enumerate all 2^12 sign assignments.
        let observed = abs(diffs.reduce(0, +))
        var hits = 0
        for mask in 0..<(1 << diffs.count) {
            var s = 0.0
            for (i, d) in diffs.enumerated() { s += (mask >> i) & 1 == 0 ? d : -d }
            if abs(s) >= observed - 1e-12 { hits += 1 }
        }
        let exact = Double(hits) / Double(1 << diffs.count)
        let reference = diffs.map { _ in 0.5 }
        let candidate = zip(reference, diffs).map { $0 + $1 }
        let result = PairedStatistics.compare(reference: reference, candidate: candidate, permutations: 20_000)
        #expect(result.test == "randomization")
        #expect(abs(result.pValue - exact) < 0.01, "approximate \(result.pValue) vs exact \(exact)")
        #expect((result.low ?? .infinity) < result.mean && result.mean < (result.high ?? -.infinity))
    }
}

@Suite(.timeLimit(.minutes(5))) struct ComparisonBuilderTests {
    static func run(_ id: String, hash: String = "h", template: String = "t", name: String? = nil, endpoint: String = "e") -> RunRecord {
        var m: [String: JSONValue] = [
            "metrics": .array([.object(["name": .string("exact"), "version": .string("exact/1")])]),
            "suite": .object(["template_hash": .string(template)]),
            "normalizers": .object(["ary-Arab": .object(["l1": .string("ar-l1/1")])]),
        ]
        if let name { m["name"] = .string(name) }
        return RunRecord(id: id, suiteID: "s", suiteVersion: "1.0.0", suiteHash: hash, endpoint: endpoint, model: "m",
                         status: .completed, startedAt: "", itemCount: 0, manifest: .object(m))
    }

    static func items(_ scores: [Double], language: String = "ary-Arab", skip: Set<Int> = []) -> [ItemRecord] {
        scores.enumerated().filter { !skip.contains($0.offset) }.map { i, v in
            ItemRecord(itemID: "i\(i)", language: i % 2 == 0 ? language : "fra-Latn", requestHash: "", prompt: "",
                       response: ModelResponse(text: "x", httpStatus: 200, latency: 0.1),
                       scores: [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: v)])
        }
    }

    @Test func aClearlyWorseRunIsSignificantAndItemsAreIntersected() throws {
        let good = (0..<200).map { _ in 1.0 }
        let bad = (0..<200).map { $0 % 2 == 0 ? 0.0 : 1.0 }   // wrong on every ary-Arab item
        let c = try ComparisonBuilder.build([LoadedRun(run: Self.run("a", name: "base"), items: Self.items(good)),
                                             LoadedRun(run: Self.run("b", name: "tuned"), items: Self.items(bad, skip: [1, 3]))])
        #expect(c.columns.map(\.label) == ["base", "tuned"])
        #expect(c.coverage.first?.commonItems == 198 && c.coverage.first?.dropped == [2, 0])
        let ary = try #require(c.rows.first { $0.language == "ary-Arab" && $0.metric == "exact" })
        let diff = try #require(ary.differences[1])
        #expect(diff.mean == -1 && diff.isSignificant() && diff.test == "mcnemar")
        let fra = try #require(c.rows.first { $0.language == "fra-Latn" })
        #expect(fra.differences[1]?.mean == 0 && fra.differences[1]?.pValue == 1)
        #expect(ary.differences[0] == nil)
    }

    @Test func theGuardNamesWhatDiffersAndCanBeOverridden() throws {
        let runs = [LoadedRun(run: Self.run("a", endpoint: "x"), items: Self.items([1, 0])),
                    LoadedRun(run: Self.run("b", hash: "h2", template: "t2", endpoint: "y"), items: Self.items([1, 1]))]
        #expect(throws: IncomparableRunsError.self) { try ComparisonBuilder.build(runs) }
        do { _ = try ComparisonBuilder.build(runs) } catch let e as IncomparableRunsError {
            #expect(e.differences.map(\.field) == ["suite content hash", "prompt template hash"])
            #expect(e.description.contains("--allow-incomparable"))
        }
        var options = ComparisonOptions()
        options.allowIncomparable = true
        let c = try ComparisonBuilder.build(runs, options: options)
        #expect(c.incomparabilities.count == 2 && !c.rows.isEmpty)
    }

    @Test func theSameDataInTwoRowsGetsTheSameIntervalAndPValue() throws {
        // One language only: its row and the `all` row hold the same items.
        func items(_ xs: [Double]) -> [ItemRecord] {
            xs.enumerated().map { i, v in
                ItemRecord(itemID: "i\(i)", language: "ary-Arab", requestHash: "", prompt: "",
                           response: ModelResponse(text: "x", httpStatus: 200, latency: 0.1),
                           scores: [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: v)])
            }
        }
        let a = (0..<60).map { Double($0 % 7) / 7 }, b = (0..<60).map { Double(($0 + 2) % 7) / 8 }
        let c = try ComparisonBuilder.build([LoadedRun(run: Self.run("a", name: "x"), items: items(a)),
                                             LoadedRun(run: Self.run("b", name: "y"), items: items(b))])
        let lang = try #require(c.rows.first { $0.language == "ary-Arab" }), all = try #require(c.rows.first { $0.language == "all" })
        #expect(lang.cells == all.cells)
        #expect(lang.differences[1] == all.differences[1] && lang.differences[1]?.test == "randomization")
    }
}
