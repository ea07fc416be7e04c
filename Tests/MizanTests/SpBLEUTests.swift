import Foundation
import MizanCore
import MizanMetrics
import Testing

/// The spBLEU fixtures of scripts/make-spm-fixtures.py: a SentencePiece model trained on the project's own text and
/// sacrebleu 2.6.0's numbers with that model placed where sacrebleu looks for its FLORES models.
enum SPMFixture {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("spm") }
    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    static var model: String { path("mizan-test.model") }
    static let languages = ["fra-Latn", "arb-Arab", "ary-Arab", "zgh-Tfng"]

    static func expected() throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("expected.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func language(_ lang: String) throws -> [String: Any] {
        let langs = try #require(try expected()["languages"] as? [String: Any])
        return try #require(langs[lang] as? [String: Any])
    }

    /// mizan's signature without its `spm:<hash>` field, which sacrebleu does not print.
    static func sacrebleuSignature(_ s: String) -> String {
        s.split(separator: "|").filter { !$0.hasPrefix("spm:") }.joined(separator: "|")
    }

    static func json(_ line: Substring) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

@Suite(.timeLimit(.minutes(5))) struct SpBLEUTests {
    @Test(arguments: SPMFixture.languages)
    func piecesAreSacrebleus(_ lang: String) throws {
        let corpus = try #require(try SPMFixture.language(lang)["corpus"] as? [String: Any])
        let flores = try #require(corpus["flores200"] as? [String: Any])
        let tokens = try #require(flores["tokens"] as? [String])
        let refs = try SegmentFile.read(SPMFixture.path("\(lang).ref"))
        let model = try SentencePieceModel(path: SPMFixture.model)
        #expect(tokens.count == 20)
        for (ref, expected) in zip(refs, tokens) { #expect(model.encode(ref) == expected, "\(ref)") }
    }

    /// `mizan score --tokenize flores200|flores101|spm --spm-model` equals sacrebleu's flores200/flores101 with the same model.
    @Test(arguments: SPMFixture.languages)
    func corpusAndSentenceSpBLEUThroughTheCLI(_ lang: String) throws {
        let corpus = try #require(try SPMFixture.language(lang)["corpus"] as? [String: Any])
        let modelHash = try SentencePieceModel(path: SPMFixture.model).shortHash
        for (tok, reference) in [("flores200", "flores200"), ("flores101", "flores101"), ("spm", "flores101")] {
            let expected = try #require(corpus[reference] as? [String: Any])
            let args = ["score", "--metric", "bleu", "--tokenize", tok, "--spm-model", SPMFixture.model,
                        "--ref", SPMFixture.path("\(lang).ref"), "--hyp", SPMFixture.path("\(lang).sys1"), "--json"]
            let r = try TestEnv.run(TestEnv.mizanBinary, args)
            #expect(r.status == 0, "\(r.stderr)")
            let obj = try SPMFixture.json(r.stdout.split(separator: "\n").first ?? "")
            #expect(obj["score"] as? Double == expected["score"] as? Double, "\(lang) \(tok)")
            let signature = try #require(obj["signature"] as? String)
            #expect(signature.contains("|tok:\(tok)|spm:\(modelHash)|"))
            if tok != "spm" { #expect(SPMFixture.sacrebleuSignature(signature) == expected["signature"] as? String) }
            let sentences = try TestEnv.run(TestEnv.mizanBinary, args + ["--sentence"])
            let scores = try sentences.stdout.split(separator: "\n").map { try SPMFixture.json($0)["score"] as? Double }
            let want = try #require(expected["sentences"] as? [Double])
            #expect(scores.count == want.count)
            for (got, w) in zip(scores, want) { #expect(abs((got ?? -1) - w) <= 1e-9) }
        }
    }

    @Test func missingModelIsAClearErrorNamingTheFlag() throws {
        let r = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "bleu", "--tokenize", "flores200",
                                                      "--ref", SPMFixture.path("fra-Latn.ref"), "--hyp", SPMFixture.path("fra-Latn.sys1")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--spm-model PATH"))
        #expect(r.stderr.contains("flores200sacrebleuspm"))
        #expect(r.stdout.isEmpty)
        let bad = try TestEnv.run(TestEnv.mizanBinary, ["score", "--metric", "bleu", "--tokenize", "spm", "--spm-model",
                                                        SPMFixture.path("fra-Latn.ref"), "--ref", SPMFixture.path("fra-Latn.ref"),
                                                        "--hyp", SPMFixture.path("fra-Latn.sys1")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("is not a SentencePiece model"))
        #expect(bad.stderr.contains("fra-Latn.ref"))
    }

    /// A suite's `tokenize: flores200` with `spm_model` relative to the suite folder; the version records the model.
    @Test func suiteOptionsResolveTheModelBesideTheSuite() throws {
        let spec = MetricSpec(name: "bleu", options: ["tokenize": .string("flores200"), "spm_model": .string("mizan-test.model"),
                                                      "normalize": .string("none")])
        let metric = try #require(try MetricRegistry.make(spec, context: MetricContext(suiteFolder: SPMFixture.root.path)) as? ReferenceMetric)
        let model = try SentencePieceModel(path: SPMFixture.model)
        #expect(metric.version == "bleu/1 sacrebleu:2.6.0 tok:flores200 spm:\(model.shortHash) normalize:none")
        let refs = try SegmentFile.read(SPMFixture.path("ary-Arab.ref")), hyps = try SegmentFile.read(SPMFixture.path("ary-Arab.sys1"))
        let inputs = zip(hyps, refs).enumerated().map { i, p in
            MetricInput(itemID: "i\(i)", output: p.0, references: [p.1], language: LanguageTag(language: "ary", script: "Arab"))
        }
        let corpus = try #require(try SPMFixture.language("ary-Arab")["corpus"] as? [String: Any])
        let expected = try #require((corpus["flores200"] as? [String: Any])?["score"] as? Double)
        #expect(metric.corpusScore(inputs) == expected)

        let missing = MetricSpec(name: "bleu", options: ["tokenize": .string("flores200")])
        #expect(throws: MetricConfigError.self) { try MetricRegistry.make(missing, context: MetricContext()) }
        do {
            _ = try MetricRegistry.make(missing, context: MetricContext())
        } catch let e as MetricConfigError {
            #expect(e.message.contains("spm_model"))
        }
    }
}
