import Foundation
import Testing
import MizanCore
@testable import MizanMetrics
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// sacrebleu's BLEU smoothing / order, chrF β / orders / whitespace / ε smoothing and TER normalization options:
/// sacrebleu's own test cases (Fixtures/sacrebleu-cases.json; the text cases run through `mizan score` in
/// scripts/ci/sacrebleu-cases.py), the CLI flags, suite options and the metric versions stores record.
@Suite(.timeLimit(.minutes(5))) struct SacrebleuOptionsTests {
    static func cases(_ kind: String) throws -> [[String: JSONValue]] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("sacrebleu-cases.json")
        let root = try #require(JSONValue.parse(String(contentsOf: url, encoding: .utf8)))
        guard case .array(let all)? = root["cases"] else { return [] }
        return all.compactMap { c -> [String: JSONValue]? in
            guard case .object(let o) = c, o["kind"]?.stringValue == kind else { return nil }
            return o
        }
    }

    static func ints(_ v: JSONValue?) -> [Int] {
        guard case .array(let a)? = v else { return [] }
        return a.compactMap { $0.doubleValue.map { Int($0) } }
    }

    @Test func bleuFromStatisticsMatchesSacrebleusCases() throws {
        let cases = try Self.cases("bleu-stats")
        #expect(cases.count == 7)
        for c in cases {
            let stats = BLEUStats(sysLen: Int(c["sys_len"]!.doubleValue!), refLen: Int(c["ref_len"]!.doubleValue!),
                                  correct: Self.ints(c["counts"]), total: Self.ints(c["totals"]))
            let smooth = try #require(BLEUSmoothing(rawValue: c["smooth_method"]!.stringValue!))
            let r = BLEU.compute(stats, effectiveOrder: false, smooth: smooth, smoothValue: c["smooth_value"]?.doubleValue)
            let value = r.score * c["scale"]!.doubleValue!, expected = c["expected"]!.doubleValue!
            let tolerance = c["tolerance"]!.doubleValue!
            #expect(tolerance > 0 ? abs(value - expected) < tolerance : value == expected, "\(c["id"]!.stringValue!): \(value)")
        }
    }

    @Test func tercomTokenizerMatchesSacrebleusCases() throws {
        let cases = try Self.cases("ter-tokenize")
        #expect(cases.count == 11)
        for c in cases {
            func flag(_ key: String) -> Bool { if case .bool(let b)? = c["options"]?[key] { return b } else { return false } }
            var o = ReferenceOptions()
            o.normalized = flag("normalized")
            o.noPunct = flag("no_punct")
            o.asianSupport = flag("asian_support")
            let got = TercomText.tokens(c["input"]!.stringValue!, TercomOptions(o, lowercase: true))
            #expect(got == c["expected_text"]!.stringValue!, "\(c["id"]!.stringValue!)")
        }
    }

    static func files(_ dir: String, hyp: [String], ref: [String]) throws -> (String, String) {
        let h = dir + "/hyp.txt", r = dir + "/ref.txt"
        try (hyp.joined(separator: "\n") + "\n").write(toFile: h, atomically: true, encoding: .utf8)
        try (ref.joined(separator: "\n") + "\n").write(toFile: r, atomically: true, encoding: .utf8)
        return (h, r)
    }

    @Test func scoreFlagsSetTheOptionsAndTheSignature() throws {
        let dir = TestEnv.tempDir()
        let (h, r) = try Self.files(dir, hyp: ["aa"], ref: ["ab"])
        func score(_ args: [String]) throws -> (Int32, String, String) {
            let x = try TestEnv.run(TestEnv.mizanBinary, ["score", "--ref", r, "--hyp", h, "--width", "4"] + args)
            return (x.status, x.stdout, x.stderr)
        }
        // test_chrf.py::test_chrf_eff_order (aa/ab, β 3) = 25.0; ε smoothing (test_chrf) = 8.3333
        #expect(try score(["--metric", "chrf", "--chrf-beta", "3"]).1
                == "chrF3|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 25.0000\n")
        #expect(try score(["--metric", "chrf", "--chrf-beta", "3", "--chrf-eps-smoothing", "--chrf-whitespace"]).1
                == "chrF3|nrefs:1|case:mixed|eff:no|nc:6|nw:0|space:yes|version:2.6.0 = 8.3333\n")
        #expect(try score(["--metric", "chrf", "--chrf-char-order", "1", "--chrf-word-order", "1"]).1
                == "chrF2+|nrefs:1|case:mixed|eff:yes|nc:1|nw:1|space:no|version:2.6.0 = 25.0000\n")  // as sacrebleu -cc 1 -cw 1
        let (h2, r2) = try Self.files(dir, hyp: ["Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"],
                                      ref: ["producţia de zahăr brut se exprimă în zahăr alb;"])
        // test_sentence_bleu.py: floor 0.5 → 10.10, add-k 2 → 21.389
        let floor = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "bleu", "--ref", r2, "--hyp", h2, "--sentence",
                                                          "--smooth-method", "floor", "--smooth-value", "0.5", "--width", "2"])
        #expect(floor.stdout == "10.10\n", "\(floor.stderr)")
        let addK = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "bleu", "--ref", r2, "--hyp", h2,
                                                         "--smooth-method", "add-k", "--smooth-value", "2", "--effective-order",
                                                         "--max-ngram-order", "4", "--width", "3"])
        #expect(addK.stdout.hasPrefix("BLEU|nrefs:1|case:mixed|eff:yes|tok:13a|smooth:add-k[2.00]|version:2.6.0 = 21.389 "), "\(addK.stderr)")
        let (h3, r3) = try Self.files(dir, hyp: ["Jim's car (red)."], ref: ["jim 's car ( red ) ."])
        let ter = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "ter", "--ref", r3, "--hyp", h3, "--ter-normalized"])
        #expect(ter.stdout == "TER|nrefs:1|case:lc|tok:tercom|norm:yes|punct:yes|asian:no|version:2.6.0 = 0.0\n", "\(ter.stderr)")
        let plain = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "ter", "--ref", r3, "--hyp", h3])
        #expect(plain.stdout.hasPrefix("TER|nrefs:1|case:lc|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0 = ") && !plain.stdout.hasSuffix(" = 0.0\n"))

        let wrong = try score(["--metric", "bleu", "--chrf-beta", "3"])
        #expect(wrong.0 == 2 && wrong.2.contains("metric 'bleu' does not take --chrf-beta"), "\(wrong.2)")
        let noValue = try score(["--metric", "bleu", "--smooth-value", "0.5"])
        #expect(noValue.0 == 2 && noValue.2.contains("--smooth-value applies only to smoothing floor or add-k"), "\(noValue.2)")
        let badOrder = try score(["--metric", "bleu", "--max-ngram-order", "0"])
        #expect(badOrder.0 == 2 && badOrder.2.contains("--max-ngram-order must be a whole number from 1 to"), "\(badOrder.2)")
    }

    @Test func defaultOptionsKeepTheVersionsStoresAlreadyHold() throws {
        let expected = ["bleu": "bleu/1 sacrebleu:2.6.0 tok:13a normalize:l0", "chrf": "chrf/1 sacrebleu:2.6.0 normalize:l0",
                        "chrf++": "chrf++/1 sacrebleu:2.6.0 normalize:l0", "ter": "ter/1 sacrebleu:2.6.0 normalize:l0"]
        for (name, version) in expected { #expect(try MetricRegistry.make(MetricSpec(name: name)).version == version) }
        let chrf = try MetricRegistry.make(MetricSpec(name: "chrf", options: ["beta": .number(3), "eps_smoothing": .bool(true)]))
        #expect(chrf.version == "chrf/1 sacrebleu:2.6.0 beta:3 eps:yes normalize:l0")
        let bleu = try MetricRegistry.make(MetricSpec(name: "bleu", options: ["smooth_method": .string("floor"), "max_ngram_order": .number(6)]))
        #expect(bleu.version == "bleu/1 sacrebleu:2.6.0 tok:13a smooth:floor[0.10] order:6 normalize:l0")
        #expect((bleu as? ReferenceMetric)?.signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|version:2.6.0")
        let ter = try MetricRegistry.make(MetricSpec(name: "ter", options: ["normalized": .bool(true), "lowercase": .bool(false)]))
        #expect(ter.version == "ter/1 sacrebleu:2.6.0 lowercase:false norm:yes normalize:l0")
        do {
            _ = try MetricRegistry.make(MetricSpec(name: "chrf", options: ["betta": .number(3)]))
            Issue.record("expected an error")
        } catch let e as MetricConfigError {
            #expect(e.message.contains("metric 'chrf' has no option 'betta'") && e.message.contains("beta"))
        }
    }

    @Test func suiteOptionsReachRunsRescoresAndCorpusScores() async throws {
        let dir = TestEnv.tempDir()
        let yaml = Self.suiteYAML(metrics: "\n  - name: chrf\n    beta: 3\n    word_order: 1\n  - name: bleu\n    smooth_method: add-k")
        let folder = try TestEnv.writeSuite(in: dir, yaml: yaml, items: (0..<3).map { #"{"id":"i\#($0)","input":"q \#($0)","reference":"le chat \#($0) dort"}"# })
        let server = try TestHTTPServer { req in .text("le chat " + req.prompt.dropFirst(2) + " mange") }
        defer { server.stop() }
        let path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        let outcome = try await Runner(store: store, harnessVersion: "test")
            .run(RunRequest(suite: try SuiteLoader.load(folder: folder), endpoint: TestEnv.endpoint(server)))
        let items = try store.items(runID: outcome.runID)
        let versions = Set(items.flatMap { $0.scores.map(\.metricVersion) })
        #expect(versions == ["chrf/1 sacrebleu:2.6.0 nw:1 beta:3 normalize:l0", "bleu/1 sacrebleu:2.6.0 tok:13a smooth:add-k[1.00] normalize:l0"])
        var o = ReferenceOptions()
        o.beta = 3
        o.wordOrder = 1
        let hyps = (0..<3).map { "le chat \($0) mange" }, refs = (0..<3).map { ["le chat \($0) dort"] }
        let expected = ReferenceScoring.corpus(metric: .chrf, hypotheses: hyps, segmentReferences: refs, options: o).score
        let summary = Summarizer.summarize(run: try store.run(matching: outcome.runID), items: items)
        #expect(abs((summary.corpus["chrf"]?["all"] ?? -1) - expected) < 1e-9)
        #expect(expected != ReferenceScoring.corpus(metric: .chrf, hypotheses: hyps, segmentReferences: refs).score)

        // rescore with other options records the other version
        let r = try TestEnv.run(TestEnv.mizanBinary, ["rescore", outcome.runID, "--metric-spec", #"{"name":"chrf","eps_smoothing":true}"#,
                                                      "--store", path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let after = try SQLiteStore(path: path).items(runID: outcome.runID)
        #expect(after.allSatisfy { $0.scores.contains { $0.metricVersion == "chrf/1 sacrebleu:2.6.0 eps:yes normalize:l0" } })

        let bad = try TestEnv.writeSuite(in: dir, id: "bad-suite", yaml: Self.suiteYAML(id: "bad-suite", metrics: "\n  - name: ter\n    beta: 3"),
                                         items: [#"{"id":"x","input":"q","reference":"r"}"#])
        do {
            _ = try SuiteLoader.load(folder: bad)
            Issue.record("expected an error")
        } catch let e as InputErrors {
            #expect(e.description.contains("metric 'ter' does not take beta"), "\(e.description)")
        }
    }

    static func suiteYAML(id: String = "opt-suite", metrics: String) -> String {
        """
        id: \(id)
        version: 1.0.0
        language: fra-Latn
        task: generation
        prompt:
          template: "{{input}}"
        metrics:\(metrics)
        """
    }
}
