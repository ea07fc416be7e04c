import Foundation
import Testing
import MizanCore
import MizanReport
import MizanTestSupport

/// What a careful user sees (issue 13, point 7): JSON types, table widths, item order, isolates, help text,
/// gate wording, folder validation and item-line errors. Through the CLI binary, a real test server and store.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CLIOutputTests {
    static let longModel = "some-organisation/a-rather-long-model-name-70b-instruct-v0.3-q4_k_m"

    /// A 12-item Arabic suite whose ids are not in sorted order; early items are answered last, so items finish
    /// in an order unlike the suite's. Two runs (one named), with a long model name.
    static func setUp() throws -> (dir: String, folder: String, store: String, runs: [String]) {
        let dir = TestEnv.tempDir()
        let ids = ["zeta", "alpha", "mu", "item-10", "item-2", "beta", "omega", "kappa", "item-1", "delta", "pi", "gamma"]
        let items = ids.enumerated().map { k, id in #"{"id":"\#(id)","input":"سؤال \#(k)","reference":"جواب \#(k)"}"# }
        let folder = try TestEnv.writeSuite(in: dir, id: "order-suite-with-a-long-name", items: items)
        let server = try TestHTTPServer(responder: { req in
            let k = Int(req.prompt.split(separator: " ").last ?? "") ?? 0
            return .delayed(seconds: Double(12 - k) * 0.03, .text(k % 2 == 0 ? "جواب \(k)" : "لا أعرف"))
        })
        defer { server.stop() }
        let store = dir + "/o.sqlite"
        var runs: [String] = []
        for name in ["a fairly long run name for the first model at temperature 0", ""] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--model", longModel,
                                                          "--concurrency", "12", "--store", store, "--json"] + (name.isEmpty ? [] : ["--name", name]))
            #expect(r.status == 0, "stderr: \(r.stderr)")
            runs.append(try #require(JSONValue.parse(r.stdout)?["run_id"]?.stringValue))
        }
        return (dir, folder, store, runs)
    }

    static func mizan(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, args)
    }

    /// Strings that are really numbers or booleans: a JSON output must carry them as JSON numbers/booleans.
    static func cellLikeStrings(_ v: JSONValue, path: String = "$") -> [String] {
        switch v {
        case .string(let s):
            let numeric = s.range(of: #"^-?[0-9]+(\.[0-9]+)?%?$"#, options: .regularExpression) != nil
            return numeric || ["yes", "no", "true", "false", "–", "n/a"].contains(s) ? ["\(path) = \"\(s)\""] : []
        case .array(let a): return a.enumerated().flatMap { cellLikeStrings($1, path: "\(path)[\($0)]") }
        case .object(let o): return o.flatMap { cellLikeStrings($1, path: "\(path).\($0)") }
        default: return []
        }
    }

    /// The lines of the tables in `output` (a header, its ─ rule, the rows up to a blank line), not the prose notes.
    static func tableLines(_ output: String) -> [String] {
        let lines = output.components(separatedBy: "\n")
        var out: [String] = [], inTable = false
        for (k, line) in lines.enumerated() {
            if line.isEmpty { inTable = false; continue }
            if !inTable, k + 1 < lines.count, lines[k + 1].hasPrefix("─") { inTable = true }
            if inTable { out.append(line) }
        }
        return out
    }

    @Test func everyJSONOutputUsesNumbersBooleansAndNulls() throws {
        let s = try Self.setUp()
        let runs = try Self.mizan(["runs", "--store", s.store, "--format", "json"])
        let list = try #require(JSONValue.parse(runs.stdout), "\(runs.stdout)")
        #expect(Self.cellLikeStrings(list).isEmpty, "\(Self.cellLikeStrings(list))")
        guard case .array(let rows) = list, rows.count == 2 else { Issue.record("runs: \(runs.stdout)"); return }
        #expect(rows[0]["items"] == .number(12) && rows[0]["name"] == .null && rows[0]["shards"] == .null)
        #expect(rows[1]["name"]?.stringValue?.hasPrefix("a fairly long") == true && rows[1]["finished_at"]?.stringValue != nil)
        let show = try Self.mizan(["show", s.runs[0], "--store", s.store, "--format", "json", "--items"])
        let shown = try #require(JSONValue.parse(show.stdout))
        #expect(Self.cellLikeStrings(shown).isEmpty, "\(Self.cellLikeStrings(shown))")
        #expect(shown["ttft_p50"] == .null && shown["latency_p50"]?.doubleValue != nil && shown["items"] == .number(12))
        #expect(shown["item_results"]?[0]?["references"] == .array([.string("جواب 0")]))
        let suites = try Self.mizan(["suites", "--prompts", s.dir, "--format", "json"])
        let catalog = try #require(JSONValue.parse(suites.stdout), "\(suites.stderr)")
        #expect(Self.cellLikeStrings(catalog).isEmpty, "\(Self.cellLikeStrings(catalog))")
        #expect(catalog["suites"]?[0]?["items"] == .number(12) && catalog["suites"]?[0]?["released"] == .bool(false))
        let save = try Self.mizan(["baseline", "save", s.runs[0], "--name", "b", "--dir", s.dir, "--store", s.store])
        #expect(save.status == 0, "\(save.stderr)")
        let baseline = try #require(JSONValue.parse(try Self.mizan(["baseline", "show", s.dir + "/b.json", "--format", "json"]).stdout))
        #expect(Self.cellLikeStrings(baseline).isEmpty && baseline["runs"]?[0]?["items"] == .number(12))
    }

    @Test func runsNamesShowItemsInSuiteOrderAndTablesFit120Columns() throws {
        let s = try Self.setUp()
        let runs = try Self.mizan(["runs", "--store", s.store])
        let header = try #require(runs.stdout.split(separator: "\n").first)
        #expect(header.contains("name"))
        let named = try #require(runs.stdout.split(separator: "\n").first { $0.hasPrefix(s.runs[0]) })
        #expect(named.contains("a fa") && named.contains("…"), "the run name is shown, shortened to fit: \(named)")
        #expect(try Self.mizan(["runs", "--store", s.store, "--wide"]).stdout.contains("a fairly long run name for the first model at temperature 0"))
        let show = try Self.mizan(["show", s.runs[0], "--store", s.store, "--items"])
        #expect(show.status == 0, "\(show.stderr)")
        let itemLines = show.stdout.split(separator: "\n").drop { !$0.hasPrefix("item ") }.dropFirst(2)
        #expect(itemLines.map { String($0.split(separator: " ")[0]) }
                == ["zeta", "alpha", "mu", "item-10", "item-2", "beta", "omega", "kappa", "item-1", "delta", "pi", "gamma"])
        #expect(show.stdout.split(separator: "\n").first { $0.hasPrefix("item ") }?.contains("reference") == true)
        #expect(itemLines.first?.contains("جواب 0") == true, "the reference is listed")
        // Without the suite files: id order, numbers by value, and a note.
        try FileManager.default.moveItem(atPath: s.folder, toPath: s.folder + "-moved")
        let moved = try Self.mizan(["show", s.runs[0], "--store", s.store, "--items"])
        let ids = moved.stdout.split(separator: "\n").drop { !$0.hasPrefix("item ") }.dropFirst(2).map { String($0.split(separator: " ")[0]) }
        #expect(ids.prefix(4) == ["alpha", "beta", "delta", "gamma"] && ids.firstIndex(of: "item-2")! < ids.firstIndex(of: "item-10")!)
        #expect(moved.stderr.contains("items are listed in id order"))
        try FileManager.default.moveItem(atPath: s.folder + "-moved", toPath: s.folder)
        // Every default table fits 120 columns; --wide shows long values whole.
        let commands: [[String]] = [["runs"], ["show", s.runs[0], "--items"], ["compare", s.runs[1], s.runs[0]],
                                    ["suites", "--prompts", TestEnv.root + "/Prompts"]]
        for args in commands {
            let r = try Self.mizan(args + (args[0] == "suites" ? [] : ["--store", s.store]))
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let widest = Self.tableLines(r.stdout).map(DisplayWidth.of).max() ?? 0
            #expect(widest <= 120, "\(args): a line is \(widest) columns\n\(r.stdout)")
            let wide = try Self.mizan(args + (args[0] == "suites" ? [] : ["--store", s.store]) + ["--wide"])
            #expect(wide.status == 0 && wide.stdout.split(separator: "\n").contains { DisplayWidth.of(String($0)) > 120 }, "\(args) --wide")
        }
        #expect(try Self.mizan(["runs", "--store", s.store]).stdout.contains("…"))
        #expect(try Self.mizan(["runs", "--store", s.store, "--wide"]).stdout.contains(Self.longModel))
    }

    @Test func isolatesOnlyOnATerminal() throws {
        let s = try Self.setUp()
        for args in [["show", s.runs[0], "--items"], ["show", s.runs[0], "--items", "--format", "md"],
                     ["show", s.runs[0], "--items", "--format", "csv"], ["show", s.runs[0], "--items", "--format", "json"]] {
            let r = try Self.mizan(args + ["--store", s.store])
            #expect(r.status == 0 && r.stdout.contains("جواب"), "\(args): \(r.stderr)")
            #expect(!r.stdout.unicodeScalars.contains { $0.value == 0x2068 || $0.value == 0x2069 }, "\(args): isolates in piped output")
        }
        // On a terminal (a pseudo-terminal from script(1)) the Arabic cells are isolated.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let command = "\(TestEnv.mizanBinary) show \(s.runs[0]) --items --store \(s.store)"
        let tty = try TestEnv.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(tty.stdout.contains("\u{2068}جواب 0\u{2069}"), "\(tty.stdout.prefix(3000))")
    }

    @Test func helpSaysRunIds() throws {
        for args in [["baseline", "save", "--help"], ["push", "--help"]] {
            let help = try Self.mizan(args).stdout
            #expect(help.contains("<run-ids>") && !help.contains("run-i-ds"), "\(help)")
        }
    }

    @Test func validateTakesAFolderOfSuitesAndBrokenLinesNameTheColumn() throws {
        let dir = TestEnv.tempDir()
        let prompts = dir + "/MyPrompts"
        _ = try TestEnv.writeSuite(in: prompts, id: "one", items: [#"{"id":"1","input":"x","reference":"y"}"#])
        _ = try TestEnv.writeSuite(in: prompts, id: "two", items: [#"{"id":"1","input":"x","reference":"y"}"#])
        let ok = try Self.mizan(["validate", prompts + "/"])
        #expect(ok.status == 0 && ok.stdout.contains("ok     one@1.0.0") && ok.stdout.contains("ok     two@1.0.0"), "\(ok.stderr)")
        _ = try TestEnv.writeSuite(in: prompts, id: "two", items: [#"{"id":"1","input":"x","reference":"y"}"#, #"{"id":"b","input":"unterminated}"#])
        let bad = try Self.mizan(["validate", prompts])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("items.jsonl:2") && bad.stderr.contains("unterminated string at column 19"), "\(bad.stderr)")
        let empty = TestEnv.tempDir()
        let none = try Self.mizan(["validate", empty])
        #expect(none.status == 2 && none.stderr.contains("neither a suite folder"), "\(none.stderr)")
    }

    @Test func theGateSaysBetterForAnImprovement() throws {
        let dir = TestEnv.tempDir()
        let folder = try GateTests.suite(in: dir)
        let store = dir + "/g.sqlite"
        let worse = try GateTests.server(wrong: ["zgh-Tfng": 20])
        let base = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", worse.baseURL + "/v1", "--store", store, "--json"])
        worse.stop()
        let baseID = try #require(JSONValue.parse(base.stdout)?["run_id"]?.stringValue)
        let good = try GateTests.server()
        defer { good.stop() }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["gate", "--baseline", baseID, "--suite", folder, "--endpoint", good.baseURL + "/v1",
                                                      "--store", store, "--all"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("better by 0.500 (0.500 → 1.000)") && !r.stdout.contains("not worse"), "\(r.stdout)")
        #expect(r.stdout.contains("unchanged (1.000 → 1.000)"))
    }

    @Test func tablesShortenOnlyElasticColumnsAndSplitWhenTheyMust() {
        let t = Table(header: ["suite", "language", "a", "b"], rows: [[String(repeating: "s", count: 60), "ary-Arab", String(repeating: "1", count: 50), String(repeating: "2", count: 50)]],
                      fit: [.elastic(min: 12)], keyColumns: 2)
        let out = t.render(.table, style: TableStyle(maxWidth: 120))
        #expect(out.split(separator: "\n").allSatisfy { DisplayWidth.of(String($0)) <= 120 }, "\(out)")
        #expect(out.contains(String(repeating: "1", count: 50)) && out.contains(String(repeating: "2", count: 50)), "numbers are never cut")
        #expect(out.contains("…"))
        #expect(DisplayWidth.shortened("http://127.0.0.1:18777/v1", to: 12) == "http:…777/v1")
        let sentence = "5 of 5 answers reused from runs 20261123-1308 (4), 20261123-1412 (1); nothing was measured"
        let kv = Table(header: ["field", "value"], rows: [["answers reused", sentence]], fit: [.fixed, .wrap(min: 10)])
            .render(.table, style: TableStyle(maxWidth: 50))
        #expect(kv.split(separator: "\n").allSatisfy { DisplayWidth.of(String($0)) <= 50 }, "\(kv)")
        #expect(kv.replacingOccurrences(of: "\n {2,}", with: " ", options: .regularExpression).contains(sentence), "wrapped, never cut: \(kv)")
        #expect(Table(header: ["x"], rows: [["الرباط"]]).render(.table, style: TableStyle(isolates: true)).contains("\u{2068}الرباط\u{2069}"))
        #expect(!Table(header: ["x"], rows: [["الرباط"]]).render(.table, style: TableStyle()).contains("\u{2068}"))
    }
}

extension JSONValue {
    /// Element `i` of an array (nil for anything else or out of range).
    fileprivate subscript(i: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(i) { return a[i] }
        return nil
    }
}
