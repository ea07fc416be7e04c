import Foundation
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore
import MizanTestSupport
import Testing

/// Likelihood reports end to end: `mizan run` against the toy language model of the real test server (llama.cpp-native
/// and openai-echo), then `show`, `compare` and `gate` on what it stored.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LikelihoodReportRunTests {
    /// Four texts in each of three languages (Latin, Arabic and Tifinagh script).
    static let texts: [(language: String, text: String)] = [
        ("fra-Latn", "La capitale du Maroc est Rabat."), ("fra-Latn", "Le ciel est bleu au-dessus de l'océan."),
        ("fra-Latn", "Casablanca est la plus grande ville."), ("fra-Latn", "Il fait beau aujourd'hui."),
        ("ary-Arab", "الرباط هي العاصمة ديال المغرب."), ("ary-Arab", "السما زرقا فوق البحر."),
        ("ary-Arab", "كازا هي أكبر مدينة."), ("ary-Arab", "الجو زوين اليوم."),
        ("zgh-Tfng", "ⵜⴰⵎⴰⵣⵉⵖⵜ ⴷ ⵜⵓⵜⵍⴰⵢⵜ"), ("zgh-Tfng", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ"), ("zgh-Tfng", "ⴰⴳⵍⵍⵉⴷ ⴷ ⵜⴰⴳⵍⴷⵉⵜ"), ("zgh-Tfng", "ⵜⴰⴼⵓⴽⵜ ⵜⴼⵓⵍⴽⵉ"),
    ]

    /// Bits per byte of `text` under the toy model, from the formula.
    static func bpb(_ text: String) -> Double { -LikelihoodRunTests.rollingLL(text) / Double(text.utf8.count) / log(2) }

    static func mizan(_ args: [String], in dir: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, args, cwd: dir)
    }

    static func lines(_ text: String, containing parts: String...) -> [String] {
        text.split(whereSeparator: \.isNewline).map(String.init).filter { line in parts.allSatisfy { line.contains($0) } }
    }

    @Test func aRollingRunGivesPerLanguageBitsPerByteAndTwoServersCompareWithANote() throws {
        let dir = TestEnv.tempDir(), store = dir + "/s.sqlite"
        let items = Self.texts.enumerated().map { i, t in
            JSONValue.object(["id": .string("t\(i)"), "lang": .string(t.language), "input": .string(t.text)]).canonicalJSON
        }
        let folder = try TestEnv.writeSuite(in: dir, id: "bpb-multi", yaml: "id: bpb-multi\nversion: 1.0.0\nlanguage: fra-Latn\ntask: rolling\n"
            + "metrics: [bits_per_byte, byte_perplexity, word_perplexity]", items: items)
        let llama = try LikelihoodRunTests.server(.llamaServer, context: 16), echo = try LikelihoodRunTests.server(.openAIEcho, context: 512)
        defer { llama.stop(); echo.stop() }
        let a = try Self.mizan(["run", "--suite", folder, "--endpoint", llama.baseURL + "/v1", "--name", "llama", "--store", store], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Self.mizan(["run", "--suite", folder, "--endpoint", echo.baseURL + "/v1", "--name", "echo", "--store", store, "--no-cache"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")
        let runs = try SQLiteStore(path: store).runs()
        let native = try #require(runs.first { $0.manifest["name"]?.stringValue == "llama" })
        let viaEcho = try #require(runs.first { $0.manifest["name"]?.stringValue == "echo" })

        let show = try Self.mizan(["show", native.id, "--store", store], in: dir)
        #expect(show.status == 0, "\(show.stderr)")
        let json = try #require(JSONValue.parse(try Self.mizan(["show", native.id, "--store", store, "--format", "json"], in: dir).stdout))
        for language in ["fra-Latn", "ary-Arab", "zgh-Tfng"] {
            let mean = Self.texts.filter { $0.language == language }.map { Self.bpb($0.text) }.reduce(0, +) / 4
            let row = try #require(Self.lines(show.stdout, containing: language, "bits_per_byte ↓").first, "\(show.stdout)")
            #expect(row.contains(SummaryTables.formatScore(mean, metric: "bits_per_byte")) && row.contains("student-t"), "\(row)")
            let stored = try #require(json["by_language"]?[language]?["bits_per_byte"]?["mean"]?.doubleValue)
            #expect(abs(stored - mean) < 1e-9, "\(language)")
        }

        // The same log-likelihood through two server paths: compared (the toy model agrees exactly), with a note.
        let cmp = try Self.mizan(["compare", native.id, viaEcho.id, "--store", store, "--wide"], in: dir)
        #expect(cmp.status == 0, "\(cmp.stderr)")
        #expect(cmp.stdout.contains("NOTE: suite bpb-multi: likelihood method differs") && cmp.stdout.contains("openai-echo"))
        let fra = try #require(Self.lines(cmp.stdout, containing: "fra-Latn", "bits_per_byte ↓").first)
        #expect(fra.contains("0.000") && !fra.contains("*"), "\(fra)")
        let gate = try Self.mizan(["gate", "--baseline", native.id, "--candidate", viaEcho.id, "--store", store], in: dir)
        #expect(gate.status == 0 && gate.stdout.contains("note: suite bpb-multi: likelihood method differs"), "\(gate.stdout)\n\(gate.stderr)")
    }

    @Test func aMultipleChoiceRunShowsItsCalibrationAndChatLabelsAreNotComparedWithIt() throws {
        let dir = TestEnv.tempDir(), store = dir + "/s.sqlite"
        let folder = try LikelihoodRunTests.mcSuite(in: dir)
        let llama = try LikelihoodRunTests.server(.llamaServer)
        defer { llama.stop() }
        let a = try Self.mizan(["run", "--suite", folder, "--endpoint", llama.baseURL + "/v1", "--name", "native", "--store", store], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let c = try Self.mizan(["run", "--suite", folder, "--endpoint", llama.baseURL + "/v1", "--name", "labels", "--store", store,
                                "--likelihood", "chat-labels"], in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let runs = try SQLiteStore(path: store).runs()
        let native = try #require(runs.first { $0.manifest["name"]?.stringValue == "native" })
        let labels = try #require(runs.first { $0.manifest["name"]?.stringValue == "labels" })

        // ECE from the toy model's formula log-likelihoods, over the four items.
        var confidences: [Double] = [], correct: [Bool] = []
        for item in LikelihoodRunTests.mcItems {
            let want = try LikelihoodRunTests.expectedLLs(item)
            confidences.append(LikelihoodMetrics.softmax(want.lls).max()!)
            correct.append(LikelihoodMetrics.acc(want.lls, gold: want.gold) == 1)
        }
        let ece = LikelihoodMetrics.expectedCalibrationError(confidences: confidences, correct: correct)
        let show = try Self.mizan(["show", native.id, "--store", store], in: dir)
        let row = try #require(Self.lines(show.stdout, containing: "all", "ece ↓").first, "\(show.stdout)")
        #expect(row.contains(SummaryTables.format(ece)) && row.contains("none: suite-level figure"), "\(row)")
        let json = try #require(JSONValue.parse(try Self.mizan(["show", native.id, "--store", store, "--format", "json"], in: dir).stdout))
        #expect(abs((json["suite_figures"]?["ece"]?["all"]?["value"]?.doubleValue ?? -1) - ece) < 1e-9)

        // Next-token label probabilities are a different measurement: refused, with the override named.
        let refused = try Self.mizan(["compare", native.id, labels.id, "--store", store], in: dir)
        #expect(refused.status == 2 && refused.stderr.contains("likelihood method differs")
                && refused.stderr.contains("chat-label-top-logprobs"), "\(refused.stderr)")
        let gate = try Self.mizan(["gate", "--baseline", native.id, "--candidate", labels.id, "--store", store], in: dir)
        #expect(gate.status == 2 && gate.stderr.contains("likelihood method differs"), "\(gate.stderr)")
    }
}
