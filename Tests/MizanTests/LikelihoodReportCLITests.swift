import Foundation
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore
import Testing

/// `show`, `compare`, `gate` and the exports on likelihood runs stored in a real SQLite store, through the CLI binary.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LikelihoodReportCLITests {
    static func lines(_ text: String, containing parts: String...) -> [String] {
        text.split(whereSeparator: \.isNewline).map(String.init).filter { line in parts.allSatisfy { line.contains($0) } }
    }

    @Test func showGivesAPerLanguageBitsPerByteTableWithIntervals() throws {
        let dir = TestEnv.tempDir(), path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        let run = try LikelihoodRuns.storeRolling(store, id: "roll-a", name: "base")
        let show = try LikelihoodRuns.mizan(["show", run.id], store: path, in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("metric (↓ lower is better)"))
        for (l, language) in LikelihoodRuns.languages.enumerated() {
            let row = try #require(Self.lines(show.stdout, containing: language, "bits_per_byte ↓").first, "\(language):\n\(show.stdout)")
            let mean = (0..<20).map { LikelihoodRuns.bpb(language: l, item: $0) }.reduce(0, +) / 20
            // Unbounded metric: a Student t interval around the per-text mean, even when every value lies in 0–1.
            #expect(row.contains(SummaryTables.formatScore(mean, metric: "bits_per_byte")) && row.contains("student-t") && row.contains("20"), "\(row)")
        }
        let json = try LikelihoodRuns.mizan(["show", run.id, "--format", "json"], store: path, in: dir)
        let root = try #require(JSONValue.parse(json.stdout))
        let fra = try #require(root["by_language"]?["fra-Latn"]?["bits_per_byte"])
        #expect(fra["ci_method"]?.stringValue == "student-t" && fra["n"]?.doubleValue == 20)
        #expect(root["metric_directions"]?["bits_per_byte"]?.stringValue == "lower")
        #expect(root["suite_figures"] == .object([:]))
        // CSV keeps the raw metric names (no arrows).
        let csv = try LikelihoodRuns.mizan(["show", run.id, "--format", "csv"], store: path, in: dir)
        #expect(csv.stdout.contains("fra-Latn,bits_per_byte,") && !csv.stdout.contains("↓"))
    }

    @Test func compareShowsBitsPerBytePerLanguageAndNamesTheBetterRun() throws {
        let dir = TestEnv.tempDir(), path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        // The candidate knows fra-Latn (language 3) better: 0.2 bits per byte fewer on every text.
        try LikelihoodRuns.storeRolling(store, id: "roll-a", name: "base")
        try LikelihoodRuns.storeRolling(store, id: "roll-b", name: "tuned", shift: -0.2, shifted: [3])
        // In 120 columns the table splits into blocks (means, then differences) that repeat suite, language and
        // the metric, whose name stays whole.
        let table = try LikelihoodRuns.mizan(["compare", "roll-a", "roll-b"], store: path, in: dir)
        #expect(table.status == 0, "\(table.stderr)")
        for language in LikelihoodRuns.languages {
            #expect(Self.lines(table.stdout, containing: language, "bits_per_byte ↓").count == 2, "\(language)")
        }
        #expect(table.stdout.contains("↓ lower is better (bits_per_byte, byte_perplexity, word_perplexity)"))
        let wide = try LikelihoodRuns.mizan(["compare", "roll-a", "roll-b", "--wide"], store: path, in: dir)
        let fra = try #require(Self.lines(wide.stdout, containing: "fra-Latn", "bits_per_byte ↓").first, "\(wide.stdout)")
        // Lower is better, so a significant negative Δ is an improvement.
        #expect(fra.contains("\u{2212}0.200") && fra.hasSuffix("* better"), "\(fra)")
        // Bits per byte keeps 3 decimals above 1 (differences between models lie in the second and third).
        #expect(fra.contains("1.350 [1.343, 1.357]") && fra.contains("1.150 [1.143, 1.157]"), "\(fra)")
        let arb = try #require(Self.lines(wide.stdout, containing: "arb-Arab", "bits_per_byte ↓").first)
        #expect(!arb.contains("*"), "\(arb)")

        let json = try LikelihoodRuns.mizan(["compare", "roll-a", "roll-b", "--format", "json"], store: path, in: dir)
        let root = try #require(JSONValue.parse(json.stdout))
        guard case .array(let rows)? = root["rows"] else { Issue.record("no rows"); return }
        let row = try #require(rows.first { $0["language"]?.stringValue == "fra-Latn" && $0["metric"]?.stringValue == "bits_per_byte" })
        #expect(row["direction"]?.stringValue == "lower")
        let csv = try LikelihoodRuns.mizan(["compare", "roll-a", "roll-b", "--format", "csv"], store: path, in: dir)
        #expect(csv.stdout.hasPrefix("suite,") && csv.stdout.split(separator: "\r\n").first?.hasSuffix(",significant,direction,answers_reused,reused_from") == true)
        #expect(Self.lines(csv.stdout, containing: "fra-Latn,bits_per_byte,tuned").first?.hasSuffix(",true,lower,0,") == true)
        let html = try LikelihoodRuns.mizan(["compare", "roll-a", "roll-b", "--format", "html"], store: path, in: dir)
        // The improvement is highlighted as better (the old code marked every negative Δ as worse).
        let fraCells = try #require(html.stdout.components(separatedBy: "<tr>").first { $0.contains("fra-Latn") && $0.contains("bits_per_byte") })
        #expect(fraCells.contains("sig better") && !fraCells.contains("sig worse"))
        #expect(html.stdout.contains("bits_per_byte by language (lower is better)"))
    }

    @Test func aGateFailsWhenBitsPerByteRisesAndPassesWhenItFalls() throws {
        let dir = TestEnv.tempDir(), path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        try LikelihoodRuns.storeRolling(store, id: "base", name: "base")
        try LikelihoodRuns.storeRolling(store, id: "worse", name: "worse", shift: 0.2, shifted: [1])
        try LikelihoodRuns.storeRolling(store, id: "better", name: "better", shift: -0.2, shifted: [1])
        let fail = try LikelihoodRuns.mizan(["gate", "--baseline", "base", "--candidate", "worse"], store: path, in: dir)
        #expect(fail.status == 1, "\(fail.stdout)\n\(fail.stderr)")
        // Three checks fail, all on ary-Arab (bits per byte and both perplexities rose); bits per byte by 0.2.
        #expect(Self.lines(fail.stdout, containing: "FAIL  ").count == 3 && Self.lines(fail.stdout, containing: "FAIL  ", "ary-Arab").count == 3)
        #expect(Self.lines(fail.stdout, containing: "FAIL", "ary-Arab", "worse by 0.200 (0.850 → 1.050)").count == 1, "\(fail.stdout)")
        let pass = try LikelihoodRuns.mizan(["gate", "--baseline", "base", "--candidate", "better"], store: path, in: dir)
        #expect(pass.status == 0, "\(pass.stdout)\n\(pass.stderr)")
        // max_drop counts a rise as the drop of a lower-is-better metric.
        let rules = dir + "/gate.yaml"
        try "version: 1\nrules:\n  - metric: bits_per_byte\n    max_drop: 0.1\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let drop = try LikelihoodRuns.mizan(["gate", "--baseline", "base", "--candidate", "worse", "--rules", rules], store: path, in: dir)
        #expect(drop.status == 1)
        #expect(Self.lines(drop.stdout, containing: "FAIL", "ary-Arab", "max_drop", "rose (worse: lower is better) by 0.200").count == 1, "\(drop.stdout)")
        let dropPass = try LikelihoodRuns.mizan(["gate", "--baseline", "base", "--candidate", "better", "--rules", rules], store: path, in: dir)
        #expect(dropPass.status == 0, "\(dropPass.stdout)")
    }

    @Test func expectedCalibrationErrorIsTheSameNumberEverywhereAndHasNoInterval() throws {
        let dir = TestEnv.tempDir(), path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        try LikelihoodRuns.storeChoices(store, id: "mc-a", name: "base", items: LikelihoodRuns.calibrationItems())
        // The second model is sure and right on everything: ECE = 1 − 0.9 = 0.1 per language and overall.
        let sure = (0..<7).map { i in
            LikelihoodRuns.choiceItem("c\(i)", language: i < 4 ? "fra-Latn" : "arb-Arab", logprobs: i < 4 ? [log(0.9), log(0.05), log(0.05)] : [log(0.9), log(0.1)],
                                      gold: 0)
        }
        try LikelihoodRuns.storeChoices(store, id: "mc-b", name: "sure", items: sure)
        let expected = ["fra-Latn": 0.2, "arb-Arab": 0.1, "all": 1.1 / 7]

        let show = try LikelihoodRuns.mizan(["show", "mc-a"], store: path, in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        for (language, ece) in expected {
            let row = try #require(Self.lines(show.stdout, containing: language, "ece ↓").first, "\(show.stdout)")
            #expect(row.contains(SummaryTables.format(ece)) && row.contains("none: suite-level figure"), "\(row)")
        }
        let json = try #require(JSONValue.parse(try LikelihoodRuns.mizan(["show", "mc-a", "--format", "json"], store: path, in: dir).stdout))
        for (language, ece) in expected {
            let figure = try #require(json["suite_figures"]?["ece"]?[language])
            #expect(abs((figure["value"]?.doubleValue ?? -1) - ece) < 1e-9 && figure["ci95"] == .null)
        }
        #expect(json["metrics"]?["ece"] == nil, "ECE is not a per-item metric mean")
        let showCSV = try LikelihoodRuns.mizan(["show", "mc-a", "--format", "csv"], store: path, in: dir).stdout
        #expect(showCSV.contains("all,ece,\(SummaryTables.format(1.1 / 7)),–,none: suite-level figure,7,"))

        let cmp = try LikelihoodRuns.mizan(["compare", "mc-a", "mc-b"], store: path, in: dir)
        #expect(cmp.status == 0, "\(cmp.stderr)")
        let all = try #require(Self.lines(cmp.stdout, containing: "ece ↓", "all").first, "\(cmp.stdout)")
        #expect(all.contains("\(SummaryTables.format(1.1 / 7)) (n = 7)") && all.contains("0.100 (n = 7)") && all.contains("\u{2212}0.057"), "\(all)")
        #expect(cmp.stdout.contains("figure (no CI)") && cmp.stdout.contains("ece: expected calibration error"))
        let cjson = try #require(JSONValue.parse(try LikelihoodRuns.mizan(["compare", "mc-a", "mc-b", "--format", "json"], store: path, in: dir).stdout))
        guard case .array(let figures)? = cjson["suite_figures"] else { Issue.record("no suite_figures"); return }
        let allFigure = try #require(figures.first { $0["language"]?.stringValue == "all" })
        guard case .array(let values)? = allFigure["values"], values.count == 2 else { Issue.record("no values"); return }
        #expect(abs((values[0]["value"]?.doubleValue ?? -1) - 1.1 / 7) < 1e-9 && allFigure["direction"]?.stringValue == "lower")
        let ccsv = try LikelihoodRuns.mizan(["compare", "mc-a", "mc-b", "--format", "csv"], store: path, in: dir).stdout
        let eceRow = try #require(Self.lines(ccsv, containing: "ll-suite,1.0.0,all,ece,base").first, "\(ccsv)")
        let fields = eceRow.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(abs((Double(fields[7]) ?? -1) - 1.1 / 7) < 1e-9 && fields[8...12] == ["", "", "none", "", "7"], "\(eceRow)")
        let html = try LikelihoodRuns.mizan(["compare", "mc-a", "mc-b", "--format", "html"], store: path, in: dir).stdout
        #expect(html.contains("Calibration (suite-level, no CI)") && html.contains(SummaryTables.format(1.1 / 7)))
    }

    @Test func differentLikelihoodMethodsAreRefusedUnlessTheyMeasureTheSameThing() throws {
        let dir = TestEnv.tempDir(), path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        let items = LikelihoodRuns.calibrationItems()
        try LikelihoodRuns.storeChoices(store, id: "native", name: "native", items: items)
        try LikelihoodRuns.storeChoices(store, id: "native2", name: "native2", items: items)
        try LikelihoodRuns.storeChoices(store, id: "echo", name: "echo", items: LikelihoodRuns.calibrationItems(method: "openai-echo"), method: "openai-echo")
        try LikelihoodRuns.storeChoices(store, id: "labels", name: "labels", items: LikelihoodRuns.calibrationItems(method: "chat-label-top-logprobs"),
                                        method: "chat-label-top-logprobs")
        let refused = try LikelihoodRuns.mizan(["compare", "native", "labels"], store: path, in: dir)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("likelihood method differs") && refused.stderr.contains("run labels: chat-label-top-logprobs")
                && refused.stderr.contains("--likelihood") && refused.stderr.contains("--allow-incomparable"), "\(refused.stderr)")
        let overridden = try LikelihoodRuns.mizan(["compare", "native", "labels", "--allow-incomparable"], store: path, in: dir)
        #expect(overridden.status == 0 && overridden.stdout.contains("WARNING (compared with --allow-incomparable): suite ll-suite: likelihood method differs"))
        let gate = try LikelihoodRuns.mizan(["gate", "--baseline", "native", "--candidate", "labels"], store: path, in: dir)
        #expect(gate.status == 2 && gate.stderr.contains("likelihood method differs"), "\(gate.stdout)\n\(gate.stderr)")
        // Two paths to the same log-likelihood compare, with a note.
        let noted = try LikelihoodRuns.mizan(["compare", "native", "echo"], store: path, in: dir)
        #expect(noted.status == 0 && noted.stdout.contains("NOTE: suite ll-suite: likelihood method differs (run echo: openai-echo, run native: llama.cpp-native)"),
                "\(noted.stdout)\n\(noted.stderr)")
        let gateNoted = try LikelihoodRuns.mizan(["gate", "--baseline", "native", "--candidate", "echo"], store: path, in: dir)
        #expect(gateNoted.status == 0 && gateNoted.stdout.contains("note: suite ll-suite: likelihood method differs"), "\(gateNoted.stdout)")
        // The same method: no note at all.
        let same = try LikelihoodRuns.mizan(["compare", "native", "native2"], store: path, in: dir)
        #expect(same.status == 0 && !same.stdout.contains("likelihood method"))
    }
}
