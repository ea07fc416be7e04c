import Foundation
import Testing
import MizanCore
import MizanTestSupport

/// The same scores give the same interval and p-value everywhere they are shown: `show` (table and JSON),
/// `compare` (every format) and `gate`, for every slice holding the same items.
@Suite(.serialized, .timeLimit(.minutes(3))) struct IntervalConsistencyCLITests {
    /// Two real runs of a one-language, 20-item suite with identical answers (chrF++ and exact), sent twice.
    static func twoIdenticalRuns(_ dir: String) throws -> (store: String, first: String, second: String) {
        let items = (0..<20).map { i in #"{"id":"i\#(i)","lang":"arb-Arab","input":"q \#(i)","reference":"عاصمة المغرب هي الرباط \#(i)"}"# }
        let yaml = TestEnv.suiteYAML(id: "same", metrics: "[chrf++, exact]").replacingOccurrences(of: "language: ary-Arab", with: "language: arb-Arab")
        let folder = try TestEnv.writeSuite(in: dir, id: "same", yaml: yaml, items: items)
        let server = try TestHTTPServer(responder: { req in
            let n = Int(req.prompt.split(separator: " ").last ?? "") ?? 0
            // A spread of partly right answers, so chrF++ varies across items.
            let words = ["عاصمة", "المغرب", "هي", "الرباط", "\(n)"]
            return .completion(TestCompletion(text: words.prefix(n % 6).joined(separator: " ")))
        })
        defer { server.stop() }
        let store = dir + "/same.sqlite"
        var ids: [String] = []
        for name in ["first", "second"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--no-cache",
                                                          "--name", name, "--store", store, "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            ids.append(try #require(JSONValue.parse(r.stdout)?["run_id"]?.stringValue))
        }
        return (store, ids[0], ids[1])
    }

    @Test func identicalRunsGetIdenticalIntervalsInShowCompareAndGate() throws {
        let dir = TestEnv.tempDir()
        let (store, first, second) = try Self.twoIdenticalRuns(dir)
        var shown: [JSONValue] = []
        for id in [first, second] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["show", id, "--store", store, "--format", "json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let json = try #require(JSONValue.parse(r.stdout))
            for metric in ["chrf++", "exact"] {
                // One language: its row is the `all` row.
                #expect(json["metrics_ci"]?[metric] == json["by_language"]?["arb-Arab"]?[metric], "\(metric)")
                #expect(json["metrics_ci"]?[metric]?["ci_method"] != nil)
            }
            shown.append(try #require(json["metrics_ci"]))
        }
        #expect(shown[0] == shown[1])
        let chrf = try #require(shown[0]["chrf++"]), exact = try #require(shown[0]["exact"])
        #expect(chrf["ci_method"]?.stringValue == "korn-graubard" && exact["ci_method"]?.stringValue == "clopper-pearson")

        // compare: both columns and both rows (arb-Arab and all) carry show's interval.
        let c = try TestEnv.run(TestEnv.mizanBinary, ["compare", first, second, "--store", store, "--format", "json"])
        #expect(c.status == 0, "stderr: \(c.stderr)")
        let comparison = try #require(JSONValue.parse(c.stdout))
        guard case .array(let rows)? = comparison["rows"] else { Issue.record("rows"); return }
        #expect(rows.count == 4)
        for row in rows {
            let metric = try #require(row["metric"]?.stringValue)
            guard case .array(let cells)? = row["cells"], case .array(let diffs)? = row["differences"] else { Issue.record("cells"); return }
            for cell in cells {
                #expect(cell["ci95"] == shown[0][metric]?["ci95"] && cell["mean"] == shown[0][metric]?["mean"], "\(metric)")
            }
            #expect(diffs[1]["p_value"]?.doubleValue == 1 && diffs[1]["mean"]?.doubleValue == 0)
        }
        func diffOf(_ metric: String, _ language: String) -> JSONValue? {
            let row = rows.first { $0["metric"]?.stringValue == metric && $0["language"]?.stringValue == language }
            guard case .array(let diffs)? = row?["differences"], diffs.count == 2 else { return nil }
            return diffs[1]
        }
        #expect(diffOf("exact", "all") == diffOf("exact", "arb-Arab") && diffOf("chrf++", "all") == diffOf("chrf++", "arb-Arab"))
        // Identical continuous scores: no interval can be estimated for the difference, and it says so.
        #expect(diffOf("chrf++", "all")?["ci_method"]?.stringValue == "not-estimable")

        // The table, the HTML report and the gate print the same numbers.
        func text(_ m: JSONValue?) -> String {
            let f = { (x: Double) in abs(x) > 1.0001 ? String(format: "%.2f", x) : String(format: "%.3f", x) }
            guard case .array(let ci)? = m?["ci95"], let lo = ci[0].doubleValue, let hi = ci[1].doubleValue, let mean = m?["mean"]?.doubleValue
            else { return "?" }
            return "\(f(mean)) [\(f(lo)), \(f(hi))]"
        }
        let table = try TestEnv.run(TestEnv.mizanBinary, ["show", first, "--store", store])
        let chrfInterval = String(text(chrf).drop { $0 != "[" })
        #expect(table.stdout.components(separatedBy: chrfInterval).count - 1 == 2, "the arb-Arab and all rows show \(chrfInterval)")
        let html = dir + "/same.html"
        let h = try TestEnv.run(TestEnv.mizanBinary, ["compare", first, second, "--store", store, "--format", "html", "--out", html])
        #expect(h.status == 0, "stderr: \(h.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.components(separatedBy: text(chrf)).count - 1 >= 4, "every chrF++ cell shows \(text(chrf))")
        #expect(page.components(separatedBy: text(exact)).count - 1 >= 4, "every exact cell shows \(text(exact))")

        let save = try TestEnv.run(TestEnv.mizanBinary, ["baseline", "save", first, "--name", "same", "--dir", dir, "--store", store])
        #expect(save.status == 0, "stderr: \(save.stderr)")
        let gate = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", dir + "/same.json", "--candidate", second, "--store", store,
                                                         "--markdown", dir + "/gate.md"])
        #expect(gate.status == 0, "stdout: \(gate.stdout)\nstderr: \(gate.stderr)")
        let exactDiff = try #require(diffOf("exact", "all"))
        guard case .array(let dci)? = exactDiff["ci95"], let lo = dci[0].doubleValue, let hi = dci[1].doubleValue else {
            Issue.record("exact difference interval"); return
        }
        let f = { (x: Double) in abs(x) > 1.0001 ? String(format: "%.2f", x) : String(format: "%.3f", x) }
        let md = try String(contentsOfFile: dir + "/gate.md", encoding: .utf8)
        #expect(md.contains("[\(f(lo)), \(f(hi))] (newcombe)"), "\(md)")
    }
}
