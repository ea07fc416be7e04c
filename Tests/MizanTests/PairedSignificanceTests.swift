import Foundation
import MizanMetrics
import Testing

/// sacrebleu 2.6.0's `--paired-bs` / `--paired-ar` reproduced: numpy's generator draw for draw, and every mean,
/// interval and p-value of the fixtures (scripts/make-spm-fixtures.py) through `mizan score`.
@Suite(.timeLimit(.minutes(5))) struct PairedSignificanceTests {
    /// Values printed by numpy 2.x: `default_rng(12345).bit_generator.random_raw(3)`, `default_rng(12345).choice(1000,
    /// size=8)`, `default_rng(7).integers(2, size=40, dtype=bool)`, `default_rng(2**40+3).bit_generator.random_raw(2)`.
    @Test func numpyGeneratorDrawsNumpysNumbers() {
        var g = NumpyGenerator(seed: 12345)
        #expect([g.next64(), g.next64(), g.next64()] == [4_193_609_425_186_963_869, 5_843_160_025_838_961_886, 14_708_796_524_633_321_433])
        var c = NumpyGenerator(seed: 12345)
        #expect(c.choice(1000, count: 8) == [699, 227, 788, 316, 204, 797, 642, 676])
        var b = NumpyGenerator(seed: 7)
        let bits: [Bool] = [1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 1]
            .map { $0 == 1 }
        #expect(b.booleans(count: 40) == bits)
        // the packed form holds the same draws: bit b of word w is boolean 32w + b, and bits past the count are clear
        var packed = NumpyGenerator(seed: 7), loose = NumpyGenerator(seed: 7)
        let words = packed.booleanWords(count: 1001), flags = loose.booleans(count: 1001)
        #expect(words.count == 32)
        #expect((0..<1001).allSatisfy { (words[$0 >> 5] >> UInt32($0 & 31)) & 1 == (flags[$0] ? 1 : 0) })
        #expect(words[31] >> 9 == 0)
        var big = NumpyGenerator(seed: (1 << 40) + 3)
        #expect([big.next64(), big.next64()] == [14_271_435_802_380_633_900, 18_370_326_226_487_632_705])
    }

    static let metrics: [(key: String, args: [String])] = [
        ("bleu-flores200", ["--metric", "bleu", "--tokenize", "flores200", "--spm-model", SPMFixture.model]),
        ("bleu-13a", ["--metric", "bleu"]), ("chrf", ["--metric", "chrf"]), ("ter", ["--metric", "ter"]),
    ]

    /// Three systems (the first the baseline) per language and metric: scores, bootstrap means and 95% half-widths and
    /// p-values equal sacrebleu's (bit for bit: same resamples, float32 sums and float32 chrF/TER arithmetic as numpy).
    @Test(arguments: SPMFixture.languages, ["bs", "ar"])
    func pairedTestsMatchSacrebleu(_ lang: String, _ test: String) throws {
        let paired = try #require(try SPMFixture.language(lang)["paired"] as? [String: Any])
        let cases = try #require(paired[test] as? [String: Any])
        for (key, args) in Self.metrics {
            let expected = try #require(cases[key] as? [String: Any])
            let systems = try #require(expected["systems"] as? [[String: Any]])
            let hyps = ["sys1", "sys2", "sys3"].flatMap { ["--hyp", SPMFixture.path("\(lang).\($0)")] }
            let r = try TestEnv.run(TestEnv.mizanBinary, ["score"] + args + ["--ref", SPMFixture.path("\(lang).ref")] + hyps
                                    + ["--paired-\(test)", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try r.stdout.split(separator: "\n").map(SPMFixture.json)
            #expect(rows.count == 3)
            for (got, want) in zip(rows, systems) {
                for field in ["score", "p_value", "mean", "ci"] {
                    #expect(got[field] as? Double == want[field] as? Double, "\(lang) \(test) \(key) \(field)")
                    #expect((got[field] is NSNull) == (want[field] is NSNull), "\(lang) \(test) \(key) \(field)")
                }
            }
            let signature = try #require(rows.first?["signature"] as? String)
            #expect(SPMFixture.sacrebleuSignature(signature) == expected["signature"] as? String)
        }
    }

    /// Non-default metric options in the paired tests (mizan score flags for paired-options.json's configurations).
    static let optionCases: [(key: String, args: [String])] = [
        ("bleu-floor-0.2", ["--metric", "bleu", "--smooth-method", "floor", "--smooth-value", "0.2"]),
        ("bleu-add-k", ["--metric", "bleu", "--smooth-method", "add-k"]),
        ("bleu-none-order-2", ["--metric", "bleu", "--smooth-method", "none", "--max-ngram-order", "2"]),
        ("bleu-effective-order", ["--metric", "bleu", "--effective-order"]),
        ("chrf-eps", ["--metric", "chrf", "--chrf-eps-smoothing"]),
        ("chrf++-beta-3-eps", ["--metric", "chrf++", "--chrf-beta", "3", "--chrf-eps-smoothing"]),
    ]

    /// With BLEU smoothing, order and effective order and chrF's epsilon smoothing, the paired tests still give
    /// sacrebleu's numbers bit for bit (paired-options.json, from scripts/make-paired-options-fixtures.py).
    @Test(arguments: ["fra-Latn", "ary-Arab"], ["bs", "ar"])
    func pairedTestsWithOptionsMatchSacrebleu(_ lang: String, _ test: String) throws {
        let data = try Data(contentsOf: SPMFixture.root.appendingPathComponent("paired-options.json"))
        let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(((all["languages"] as? [String: Any])?[lang] as? [String: Any])?[test] as? [String: Any])
        for (key, args) in Self.optionCases {
            let expected = try #require(cases[key] as? [String: Any])
            let systems = try #require(expected["systems"] as? [[String: Any]], "sacrebleu failed on \(key): \(expected["error"] ?? "")")
            let hyps = ["sys1", "sys2", "sys3"].flatMap { ["--hyp", SPMFixture.path("\(lang).\($0)")] }
            let r = try TestEnv.run(TestEnv.mizanBinary, ["score"] + args + ["--ref", SPMFixture.path("\(lang).ref")] + hyps
                                    + ["--paired-\(test)", "--json"])
            #expect(r.status == 0, "\(key): \(r.stderr)")
            let rows = try r.stdout.split(separator: "\n").map(SPMFixture.json)
            #expect(rows.count == 3, "\(key)")
            for (got, want) in zip(rows, systems) {
                for field in ["score", "p_value", "mean", "ci"] {
                    #expect(got[field] as? Double == want[field] as? Double, "\(lang) \(test) \(key) \(field)")
                }
            }
            let signature = try #require(rows.first?["signature"] as? String)
            #expect(SPMFixture.sacrebleuSignature(signature) == expected["signature"] as? String, "\(key)")
        }
    }

    @Test func textOutputMarksSignificantSystems() throws {
        let hyps = ["sys1", "sys2", "sys3"].flatMap { ["--hyp", SPMFixture.path("fra-Latn.\($0)")] }
        let r = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "bleu", "--ref", SPMFixture.path("fra-Latn.ref")] + hyps
                                + ["--paired-bs"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("Paired bootstrap resampling test with 1000 resampling trials"))
        #expect(lines[1] == "BLEU|nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
        #expect(lines[2].hasPrefix("Baseline: ") && lines[2].contains("fra-Latn.sys1 = 55.4 (μ = "))
        #expect(lines[3].hasSuffix("(p = 0.0480)*"))
        #expect(lines[4].hasSuffix("(p = 0.0010)*"))
    }

    @Test func severalHypothesesNeedAPairedTest() throws {
        let base = ["score", "--metric", "chrf", "--ref", SPMFixture.path("fra-Latn.ref"),
                    "--hyp", SPMFixture.path("fra-Latn.sys1"), "--hyp", SPMFixture.path("fra-Latn.sys2")]
        let r = try TestEnv.run(TestEnv.mizanBinary, base)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--paired-bs or --paired-ar"))
        let both = try TestEnv.run(TestEnv.mizanBinary, base + ["--paired-bs", "--paired-ar"])
        #expect(both.status == 2)
        let short = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "chrf", "--ref", SPMFixture.path("fra-Latn.ref"),
                                                          "--hyp", SPMFixture.path("fra-Latn.sys1"), "--hyp", SPMFixture.path("zgh-Tfng.sys1"),
                                                          "--paired-ar"])
        #expect(short.status == 2)
        #expect(short.stderr.contains("line counts differ"))
    }
}
