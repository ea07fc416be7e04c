import Foundation
import Testing
import MizanCore
import MizanReport
import MizanStore

/// Summaries, confidence intervals and table rendering.
@Suite(.timeLimit(.minutes(5))) struct ReportTests {
    static func item(_ id: String, lang: String, score: Double?, kind: String? = nil, failed: Bool = false) -> ItemRecord {
        var fields: [String: JSONValue] = [:]
        if let kind { fields["kind"] = .string(kind) }
        let response = ModelResponse(text: failed ? nil : "x", httpStatus: failed ? 500 : 200, latency: 0.1,
                                     failure: failed ? EndpointFailure(kind: .httpStatus, message: "HTTP 500") : nil)
        let scores = failed ? [] : [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: score)]
        return ItemRecord(itemID: id, language: lang, requestHash: "", prompt: "", response: response, scores: scores, fields: fields)
    }

    static let run = RunRecord(id: "r", suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m",
                               status: .completed, startedAt: "", itemCount: 7,
                               manifest: .object(["metrics": .array([.object(["name": .string("exact")])])]))

    @Test func meansExcludeFailuresAndSplitByLanguageAndTag() {
        let items = [Self.item("1", lang: "ary-Arab", score: 1, kind: "translation"), Self.item("2", lang: "ary-Arab", score: 0, kind: "qa"),
                     Self.item("3", lang: "fra-Latn", score: 1, kind: "qa"), Self.item("4", lang: "fra-Latn", score: 1, kind: "qa"),
                     Self.item("5", lang: "fra-Latn", score: nil, failed: true)]
        let s = Summarizer.summarize(run: Self.run, items: items)
        #expect(s.errors == 1 && s.errorKinds["http_status"] == 1)
        #expect(s.metrics["exact"]?.mean == 0.75 && s.metrics["exact"]?.n == 4)
        #expect(s.byLanguage["ary-Arab"]?["exact"]?.mean == 0.5)
        #expect(s.byLanguage["fra-Latn"]?["exact"]?.n == 2)
        #expect(abs((s.byTag["qa"]?["exact"]?.mean ?? 0) - 2.0 / 3.0) < 1e-12)
        let table = SummaryTables.metricsTable(s).render(.csv)
        #expect(table.contains("tag:qa,exact,0.667"))
    }

    @Test func displayWidthIgnoresMarksAndCountsWideCharacters() {
        #expect(DisplayWidth.of("مَرْحَبًا") == 5)
        #expect(DisplayWidth.of("ⴰⵣⵓⵍ") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("漢字") == 4)
        #expect(DisplayWidth.isolated("الرباط") == "\u{2068}الرباط\u{2069}")
        #expect(DisplayWidth.isolated("Rabat") == "Rabat")
        let t = Table(header: ["a", "b"], rows: [["مَرْحَبًا", "1"], ["xy", "2"]]).render(.table)
        let lines = t.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        // The second column starts at the same display column on every row.
        #expect(DisplayWidth.of(String(lines[2].split(separator: "1")[0])) == DisplayWidth.of(String(lines[3].split(separator: "2")[0])))
    }

    @Test func csvQuotesPerRFC4180() {
        let csv = Table(header: ["x"], rows: [["a,b"], ["say \"hi\""], ["line\nbreak"]]).render(.csv)
        #expect(csv == "x\r\n\"a,b\"\r\n\"say \"\"hi\"\"\"\r\n\"line\nbreak\"\r\n")
    }

    @Test func performanceStatsDeriveRatesAndFertility() {
        func item(_ lang: String, input: String, prompt: Int, completion: Int, latency: Double, ttft: Double?, attempts: Int = 1, failed: Bool = false) -> ItemRecord {
            var r = ModelResponse(text: failed ? nil : "x", httpStatus: failed ? 503 : 200, latency: latency, timeToFirstToken: ttft,
                                  usage: TokenUsage(promptTokens: prompt, completionTokens: completion),
                                  failure: failed ? EndpointFailure(kind: .httpStatus, message: "503") : nil)
            r.attempts = attempts
            return ItemRecord(itemID: UUID().uuidString, language: lang, requestHash: "", prompt: "", response: r, scores: [],
                              fields: ["input": .string(input)])
        }
        let items = [item("ary-Arab", input: "شنو هي عاصمة المغرب", prompt: 12, completion: 11, latency: 1.2, ttft: 0.2),
                     item("ary-Arab", input: "واش", prompt: 2, completion: 3, latency: 0.4, ttft: 0.1, attempts: 3),
                     item("zgh-Tfng", input: "ⴰⵣⵓⵍ ⴼⵍⵍⴰⴽ", prompt: 22, completion: 5, latency: 2, ttft: nil),
                     item("zgh-Tfng", input: "x", prompt: 1, completion: 1, latency: 9, ttft: nil, failed: true)]
        let ary = PerformanceStats.of(items.filter { $0.language == "ary-Arab" })
        #expect(ary.fertility == 14.0 / 5.0)
        #expect(ary.retries == 2 && ary.errors == 0)
        #expect(abs((ary.interTokenP50 ?? 0) - 0.125) < 1e-9)  // median of 0.1 and 0.15
        let zgh = PerformanceStats.of(items.filter { $0.language == "zgh-Tfng" })
        #expect(zgh.fertility == 11 && zgh.errorRate == 0.5 && zgh.tokensPerSecondP50 == 2.5 && zgh.latencyP50 == 2)
        // With the rendered prompt stored, its words (template included) are what the prompt tokens are divided by.
        var templated = item("zgh-Tfng", input: "ⴰⵣⵓⵍ", prompt: 8, completion: 1, latency: 1, ttft: nil)
        templated.prompt = "Traduis en français : ⴰⵣⵓⵍ"
        #expect(PerformanceStats.of([templated]).fertility == 2)
        let table = SummaryTables.performanceTable(Summarizer.summarize(run: Self.run, items: items)).render(.csv)
        #expect(table.contains("zgh-Tfng,2,1 (50.0%),2000 ms,2000 ms,–,2.5,11.00,0"))
    }
}
