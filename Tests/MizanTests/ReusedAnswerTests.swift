import Foundation
import Testing
import MizanCore
@testable import MizanStore
import MizanReport
import MizanTestSupport

/// Answers reused from the response cache are counted as reused, with their origin run, and never presented
/// as measurements of the run that reused them (issue 13, point 2).
@Suite(.serialized) struct ReusedAnswerTests {
    /// `mizan` with `args`, and the JSON it printed.
    static func json(_ args: [String]) throws -> JSONValue {
        let r = try TestEnv.run(TestEnv.mizanBinary, args)
        #expect(r.status == 0, "mizan \(args.joined(separator: " ")): \(r.stderr)")
        return try #require(JSONValue.parse(r.stdout), "not JSON: \(r.stdout)")
    }

    /// Terminal output with the overview's wrapped values joined back into one line each (a value wider than the
    /// 120-column table continues on lines that start with the field column's padding).
    static func unwrapped(_ s: String) -> String { s.replacingOccurrences(of: "\n {2,}", with: " ", options: .regularExpression) }

    /// Three runs of a deterministic 5-item suite: `first` sends items 0–3 (`--limit 4`), `second` reuses those
    /// four and sends item 4, `third` reuses all five (four first made by `first`, one by `second`).
    static func threeRuns(store: String, dir: String) throws -> (first: String, second: String, third: String, folder: String, thirdRun: String) {
        let folder = try ResponseCacheTests.suite(in: dir, count: 5).path
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let run = ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--store", store]
        let first = try #require(try json(run + ["--limit", "4", "--json"])["run_id"]?.stringValue)
        let second = try json(run + ["--json"])
        let secondID = try #require(second["run_id"]?.stringValue)
        #expect(second["reused"]?.doubleValue == 4 && second["sent"]?.doubleValue == 1)
        #expect(second["reused_from"] == .object([first: .number(4)]))
        #expect(second["performance"]?["all"]?["latency_p50"]?.doubleValue != nil, "the one item sent was measured")
        let third = try TestEnv.run(TestEnv.mizanBinary, run)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(counts.current.values.reduce(0, +) == 5, "every item was sent once, by the run that measured it")
        let id = try #require(third.stdout.split(separator: "\n").first { $0.hasPrefix("run ") }?.split(separator: " ").last.map(String.init))
        return (first, secondID, id, folder, Self.unwrapped(third.stdout) + third.stderr)
    }

    @Test(.timeLimit(.minutes(3)), arguments: StoreKind.testable)
    func reusedAnswersAreCountedApartAndNeverMeasured(kind: StoreKind) throws {
        let dir = TestEnv.tempDir()
        let store = try kind.freshLocation()
        let (first, second, third, _, thirdOutput) = try Self.threeRuns(store: store, dir: dir)
        let sentence = "5 of 5 answers reused from runs \(first) (4), \(second) (1)"
        #expect(thirdOutput.contains(sentence), "run prints where the answers came from: \(thirdOutput)")
        #expect(thirdOutput.contains("no request was sent in this run, so it has no latency"))

        // The store: every reused item says so and where from; the measurements stay with the run that sent it.
        let opened = try openResultStore(store)
        let items = try opened.items(runID: third)
        #expect(items.count == 5 && items.allSatisfy { $0.response.reused && $0.response.attempts == 0 })
        #expect(items.allSatisfy { $0.response.latency == 0 && $0.response.timeToFirstToken == nil })
        #expect(Dictionary(grouping: items, by: { $0.response.reusedFrom ?? "?" }).mapValues(\.count) == [first: 4, second: 1])
        #expect(try opened.items(runID: first).allSatisfy { !$0.response.reused && $0.response.latency > 0 })

        // show: a run whose answers were all reused has no latency, TTFT, tokens/s or request rate.
        let shown = try Self.json(["show", third, "--store", store, "--format", "json", "--items"])
        #expect(shown["reused"]?.doubleValue == 5 && shown["sent"]?.doubleValue == 0)
        #expect(shown["reused_from"] == .object([first: .number(4), second: .number(1)]))
        #expect(shown["latency_p50"] == .null && shown["ttft_p50"] == .null && shown["completion_tokens"]?.doubleValue == 0)
        let all = shown["performance"]?["all"]
        #expect(all?["latency_p50"] == .null && all?["latency_p95"] == .null && all?["tokens_per_second_p50"] == .null)
        #expect(all?["fertility"] == .null && all?["error_rate"]?.doubleValue == 0 && all?["reused"]?.doubleValue == 5)
        guard case .array(let rows)? = shown["item_results"] else { Issue.record("item_results"); return }
        #expect(rows.allSatisfy { $0["reused"] == .bool(true) && $0["latency"] == .null })
        let table = try TestEnv.run(TestEnv.mizanBinary, ["show", third, "--store", store])
        #expect(table.status == 0 && table.stdout.contains("answers reused") && Self.unwrapped(table.stdout).contains(sentence))
        let allRow = try #require(table.stdout.split(separator: "\n").last { $0.hasPrefix("all") })
        #expect(!allRow.contains("req/s") && !allRow.contains(" ms"), "no measured figure in: \(allRow)")
        // The run that sent one item is measured over that item only.
        let mixed = try Self.json(["show", second, "--store", store, "--format", "json"])
        #expect(mixed["performance"]?["all"]?["sent"]?.doubleValue == 1 && mixed["performance"]?["all"]?["items"]?.doubleValue == 5)
    }

    @Test(.timeLimit(.minutes(3))) func compareAndGateSayWhichAnswersWereReused() throws {
        let dir = TestEnv.tempDir()
        let store = dir + "/r.sqlite"
        let (first, second, third, _, _) = try Self.threeRuns(store: store, dir: dir)
        let sentence = "5 of 5 answers reused from runs \(first) (4), \(second) (1)"
        var outputs: [String: String] = [:]
        for f in ["table", "md", "csv", "json", "latex", "html"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", first, third, "--store", store, "--format", f])
            #expect(r.status == 0, "\(f): \(r.stderr)")
            outputs[f] = r.stdout
        }
        for f in ["table", "md", "latex", "html"] { #expect(outputs[f]?.contains(sentence) == true, "\(f) names the reused answers") }
        let lines = (outputs["table"] ?? "").split(separator: "\n")
        let header = try #require(lines.firstIndex { $0.hasPrefix("model ") })
        let perf = try #require(lines[header...].first { $0.contains(third) })
        #expect(perf.contains(" 5 ") && !perf.contains(" ms"), "reused column, no latency: \(perf)")
        let json = try #require(JSONValue.parse(outputs["json"] ?? ""))
        guard case .array(let columns)? = json["columns"] else { Issue.record("columns"); return }
        let candidate = columns[1]["performance"]?["all"]
        #expect(candidate?["reused"]?.doubleValue == 5 && candidate?["sent"]?.doubleValue == 0 && candidate?["latency_p50"] == .null)
        #expect(columns[0]["performance"]?["all"]?["reused"]?.doubleValue == 0)
        let csv = (outputs["csv"] ?? "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csv.first?.hasSuffix(",answers_reused,reused_from") == true)
        #expect(csv.dropFirst().filter { $0.contains(third) }.allSatisfy { $0.hasSuffix(",5,\(first):4 \(second):1") })

        let md = dir + "/gate.md", junit = dir + "/gate.xml"
        let gate = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", first, "--candidate", third, "--store", store,
                                                         "--markdown", md, "--junit", junit])
        #expect(gate.status == 0, "\(gate.stdout) \(gate.stderr)")
        #expect(gate.stdout.contains("note: candidate run \(third)") && gate.stdout.contains(sentence))
        #expect(try String(contentsOfFile: md, encoding: .utf8).contains("Reused answers: candidate run \(third)"))
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<property name=\"candidate.reused\" value=\"5\"/>") && xml.contains(sentence))
        // A latency budget cannot be met by answers that were not measured.
        let rules = dir + "/gate.yaml"
        try "version: 1\nrules:\n  - latency_p95_ms: 60000\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let timed = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", first, "--candidate", third, "--store", store, "--rules", rules])
        #expect(timed.status == 1 && timed.stdout.contains("no latency was measured: \(sentence)"), "\(timed.stdout) \(timed.stderr)")
    }

    @Test(arguments: StoreKind.testable) func aStoreFromBeforeKeepsWorkingAndMarksItsReusedAnswers(kind: StoreKind) throws {
        // A schema-5 store with an answer sent by run `orig` and the same answer reused by run `again`, stored as
        // mizan stored reuse then: attempts 0 and a copy of the original latency and TTFT.
        let location = try kind.freshLocation()
        let migrations = kind == .sqlite ? SQLiteStore.migrations : PostgresStore.migrations
        let script = ["CREATE TABLE schema_migrations(version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL);"]
            + migrations.prefix(5) + ["""
            INSERT INTO schema_migrations VALUES(1, 'then'), (2, 'then'), (3, 'then'), (4, 'then'), (5, 'then');
            INSERT INTO runs VALUES('orig', 's', '1.0.0', 'h', 'e', 'm', 'completed', 't1', 't1', 1, '{}'),
                ('again', 's', '1.0.0', 'h', 'e', 'm', 'completed', 't2', 't2', 1, '{}');
            INSERT INTO responses(run_id, item_id, sample, seq, lang, request_hash, prompt, output, http_status, latency, ttft,
                refs, fields, attempts)
                VALUES('orig', 'i1', 0, 0, 'ary-Arab', 'rh', 'p', 'جواب', 200, 0.7, 0.2, '[]', '{}', 1),
                ('again', 'i1', 0, 1, 'ary-Arab', 'rh', 'p', 'جواب', 200, 0.7, 0.2, '[]', '{}', 0);
            """]
        if kind == .sqlite {
            let db = try SQLiteDatabase(path: location)
            for sql in script { try db.execute(sql) }
        } else {
            let db = try PostgresConnection(try PostgresLocation(location))
            for sql in script { try db.execute(sql) }
        }
        let store = try openResultStore(location)
        let sent = try #require(try store.items(runID: "orig").first?.response)
        #expect(!sent.reused && sent.latency == 0.7 && sent.timeToFirstToken == 0.2 && sent.attempts == 1)
        let old = try #require(try store.items(runID: "again").first?.response)
        #expect(old.latency == 0 && old.timeToFirstToken == nil && old.text == "جواب", "the copied measurements are dropped")
        #expect(old.reused && old.reusedFrom == nil)
        let summary = try Summarizer.summarize(run: try store.run(matching: "again"), store: store)
        #expect(summary.performance.reuseSummary == "1 of 1 answer reused from an earlier run" && summary.latencyP50 == nil)
        // A new reuse of that request points at the run that sent it.
        let hit = try #require(try store.cachedResponse(requestHash: "rh"))
        #expect(hit.reused && hit.reusedFrom == "orig" && hit.latency == 0 && hit.timeToFirstToken == nil)
    }
}
