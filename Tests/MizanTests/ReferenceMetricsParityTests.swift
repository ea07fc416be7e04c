import Foundation
import Testing
import MizanCore
import MizanMetrics

/// One golden case written by scripts/make-golden-fixtures.py with sacrebleu 2.6.0.
struct GoldenCase: Decodable {
    var sacrebleu: String
    var metric: String
    var options: [String: JSONValue]
    var nrefs: Int
    var corpus: Double
    var signature: String
    var formatted: String
    var sentence_signature: String
    var sentences: [Double]
}

enum Golden {
    static let tolerance = 1e-4

    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("golden")
    }

    static func corpusPath(_ name: String) -> String { root.appendingPathComponent("corpus").appendingPathComponent(name).path }

    static func caseNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }

    static func load(_ name: String) throws -> GoldenCase {
        let data = try Data(contentsOf: root.appendingPathComponent(name))
        return try JSONDecoder().decode(GoldenCase.self, from: data)
    }

    static func corpus(nrefs: Int) throws -> (hyps: [String], refs: [[String]]) {
        let hyps = try SegmentFile.read(corpusPath("hyp.txt"))
        let refs = try ["ref1.txt", "ref2.txt"].prefix(nrefs).map { try SegmentFile.read(corpusPath($0)) }
        return (hyps, refs)
    }

    static func options(_ c: GoldenCase) -> ReferenceOptions {
        var o = ReferenceOptions()
        if let t = c.options["tokenize"]?.stringValue { o.tokenize = BLEUTokenizer(rawValue: t)! }
        if case .bool(let b)? = c.options["lowercase"] { o.lowercase = b }
        return o
    }
}

@Suite(.timeLimit(.minutes(5))) struct ReferenceMetricsParityTests {
    @Test func fixturesArePresent() {
        // 11 configurations × 1 and 2 references
        #expect(Golden.caseNames().count == 22)
    }

    /// sacrebleu's `zh` tokenizer on Chinese mixed with other scripts, digits and punctuation, including the
    /// ranges its source writes as two-character strings (tokens/zh.json, from scripts/make-golden-fixtures.py).
    @Test func zhTokenizerSplitsAsSacrebleu() throws {
        struct Line: Decodable { var input: String; var tokens: String }
        let lines = try JSONDecoder().decode([Line].self, from: Data(contentsOf: Golden.root.appendingPathComponent("tokens/zh.json")))
        #expect(lines.count >= 15)
        for line in lines {
            let expected = line.tokens.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            #expect(BLEUTokenizer.zh.tokens(line.input) == expected, "\(line.input)")
        }
        // the quirk itself: ’ (U+2019) is split off as if Chinese, an Extension B ideograph is not
        #expect(BLEUTokenizer.zh.tokens("l’été") == ["l", "’", "été"])
        #expect(BLEUTokenizer.zh.tokens("a𠀀b") == ["a𠀀b"])
    }

    @Test(arguments: Golden.caseNames())
    func corpusAndSentenceScoresMatchSacrebleu(_ name: String) throws {
        let c = try Golden.load(name)
        #expect(c.sacrebleu == "2.6.0")
        let kind = try #require(ReferenceMetricKind(rawValue: c.metric))
        let opts = Golden.options(c)
        let (hyps, refs) = try Golden.corpus(nrefs: c.nrefs)
        #expect(hyps.count == c.sentences.count)

        let corpus = try ReferenceScoring.corpus(metric: kind, hypotheses: hyps, references: refs, options: opts)
        #expect(abs(corpus.score - c.corpus) <= Golden.tolerance, "\(name): corpus \(corpus.score) vs sacrebleu \(c.corpus)")
        #expect(corpus.signature == c.signature)
        #expect(corpus.formatted(width: 1) == c.formatted)
        #expect(ReferenceScoring.signature(metric: kind, nrefs: String(c.nrefs), options: opts, sentence: true) == c.sentence_signature)

        let sentences = try ReferenceScoring.sentences(metric: kind, hypotheses: hyps, references: refs, options: opts)
        // Every sentence is compared: a shorter list must fail, not be truncated by zip.
        #expect(sentences.count == c.sentences.count, "\(name): \(sentences.count) sentence scores vs sacrebleu's \(c.sentences.count)")
        var worst = 0.0, worstAt = -1
        for (i, (mine, theirs)) in zip(sentences, c.sentences).enumerated() where abs(mine - theirs) > worst {
            worst = abs(mine - theirs)
            worstAt = i
        }
        #expect(worst <= Golden.tolerance, "\(name): segment \(worstAt + 1) differs by \(worst)")
    }

    @Test func scoreCommandMatchesFixtures() throws {
        let c = try Golden.load("bleu-intl.2ref.json")
        let request = ScoreRequest(metric: .bleu, options: ReferenceOptions(tokenize: .intl),
                                   referencePaths: [Golden.corpusPath("ref1.txt"), Golden.corpusPath("ref2.txt")],
                                   hypothesisPath: Golden.corpusPath("hyp.txt"))
        #expect(try ScoreRunner.run(request) == c.formatted + "\n")

        var json = request
        json.json = true
        let line = try ScoreRunner.run(json)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(obj["metric"] as? String == "bleu")
        #expect(obj["signature"] as? String == c.signature)
        #expect(abs((obj["score"] as? Double ?? -1) - c.corpus) <= Golden.tolerance)

        var sentence = json
        sentence.sentence = true
        let lines = try ScoreRunner.run(sentence).split(separator: "\n")
        #expect(lines.count == c.sentences.count)
        for (l, expected) in zip(lines, c.sentences) {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            #expect(abs((o["score"] as? Double ?? -1) - expected) <= Golden.tolerance)
        }
    }

    @Test func scoreCommandRejectsMismatchedLineCounts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mizan-score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyp = dir.appendingPathComponent("hyp.txt").path, ref = dir.appendingPathComponent("ref.txt").path
        try "a\nb\nc\n".write(toFile: hyp, atomically: true, encoding: .utf8)
        try "a\nb\n".write(toFile: ref, atomically: true, encoding: .utf8)
        let request = ScoreRequest(metric: .chrf, referencePaths: [ref], hypothesisPath: hyp)
        do {
            _ = try ScoreRunner.run(request)
            Issue.record("expected a line-count error")
        } catch let e as ScoreInputError {
            #expect(e.message.contains(hyp) && e.message.contains(ref))
            #expect(e.message.contains("3") && e.message.contains("2"))
        }
    }

    @Test func segmentFilesSplitOnNewlineOnly() throws {
        #expect(try SegmentFile.split(Data(), name: "x") == [])
        #expect(try SegmentFile.split(Data("\n".utf8), name: "x") == [""])
        #expect(try SegmentFile.split(Data("a\nb".utf8), name: "x") == ["a", "b"])
        #expect(try SegmentFile.split(Data("a\nb\n".utf8), name: "x") == ["a", "b"])
        #expect(try SegmentFile.split(Data("a\n\n".utf8), name: "x") == ["a", ""])
        #expect(try SegmentFile.split(Data("a\r\nb\u{2028}c\u{85}d \n".utf8), name: "x") == ["a\r", "b\u{2028}c\u{85}d "])
        #expect(try SegmentFile.split(Data("\u{FEFF}bom".utf8), name: "x") == ["\u{FEFF}bom"])
        var bad = Data("ok\nbad ".utf8)
        bad.append(0xFF)
        do {
            _ = try SegmentFile.split(bad, name: "hyp.txt")
            Issue.record("expected a UTF-8 error")
        } catch let e as ScoreInputError {
            #expect(e.message.contains("hyp.txt") && e.message.contains("line 2"))
        }
    }

    @Test func bigFilesDecodeInParallelAndReportTheBadLine() throws {
        var text = Data()
        for i in 1...3000 { text.append(contentsOf: Array("ligne \(i) ⵜⴰⵎⴰⵣⵉⵖⵜ\n".utf8)) }
        let lines = try SegmentFile.split(text, name: "big.txt")
        #expect(lines.count == 3000)
        #expect(lines[2499] == "ligne 2500 ⵜⴰⵎⴰⵣⵉⵖⵜ")
        var bad = Data()
        for i in 1...3000 {
            bad.append(contentsOf: Array("ligne \(i)".utf8))
            if i == 2500 { bad.append(contentsOf: [0xE2, 0x28, 0xA1]) }
            bad.append(0x0A)
        }
        do {
            _ = try SegmentFile.split(bad, name: "big.txt")
            Issue.record("expected a UTF-8 error")
        } catch let e as ScoreInputError {
            #expect(e.message.contains("big.txt") && e.message.contains("line 2500"))
        }
    }

    @Test func intlSplitsArabicPunctuationButThirteenADoesNot() throws {
        let hyp = ["واش نتا جاي غدا للدار؟ بزاف، دابا"]
        let ref = [["واش نتا جاي غدا للدار ؟ بزاف ، دابا"]]
        let intl = try ReferenceScoring.sentences(metric: .bleu, hypotheses: hyp, references: ref,
                                                  options: ReferenceOptions(tokenize: .intl))
        let t13a = try ReferenceScoring.sentences(metric: .bleu, hypotheses: hyp, references: ref)
        #expect(abs(intl[0] - 100) < 1e-9)
        #expect(t13a[0] < 50)
    }

    @Test func pythonWhitespaceAndLowercase() {
        let spaces: [UInt32] = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                                0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
        for v in spaces { #expect(PyText.isSpace(v)) }
        for v: UInt32 in [0x200B, 0xFEFF, 0x180E, 0x61, 0x0627, 0x2D30] { #expect(!PyText.isSpace(v)) }
        // final sigma: word-final Σ lowercases to ς, other Σ to σ (CPython's rule)
        #expect(PyText.lower(PyText.scalars("ΟΔΟΣ ΣΟΦΙΑ")) == PyText.scalars("\u{3BF}\u{3B4}\u{3BF}\u{3C2} \u{3C3}\u{3BF}\u{3C6}\u{3B9}\u{3B1}"))
        #expect(PyText.lower(PyText.scalars("İ")) == [0x69, 0x307])
    }

    @Test func suiteMetricsAreRegisteredAndNormalize() async throws {
        for name in ["bleu", "chrf", "chrf++", "ter"] { #expect(MetricRegistry.factories[name] != nil) }
        let spec = MetricSpec(name: "bleu", options: ["tokenize": .string("intl")])
        let metric = try #require(try MetricRegistry.make(spec) as? ReferenceMetric)
        #expect(metric.signature == "nrefs:1|case:mixed|eff:no|tok:intl|smooth:exp|version:2.6.0")
        // NFD output against an NFC reference scores 100 once L0 normalization (NFC) is applied.
        let input = MetricInput(itemID: "1", output: "Cafe\u{301} cre\u{300}me", references: ["Café crème"],
                                language: LanguageTag("fra-Latn")!)
        #expect(abs((try await metric.score(input).value ?? 0) - 100) < 1e-9)
        let raw = try #require(try MetricRegistry.make(MetricSpec(name: "chrf", options: ["normalize": .string("none")])) as? any CorpusMetric)
        #expect(try await raw.score(input).value ?? 100 < 100)
        #expect(raw.corpusScore([input]) ?? 100 < 100)
        #expect(throws: MetricConfigError.self) { try MetricRegistry.make(MetricSpec(name: "bleu", options: ["tokenize": .string("ja-mecab")])) }
        #expect(throws: MetricConfigError.self) { try MetricRegistry.make(MetricSpec(name: "chrf", options: ["tokenize": .string("13a")])) }
    }
}
