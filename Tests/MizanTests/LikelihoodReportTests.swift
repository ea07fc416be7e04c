import Foundation
import MizanCore
import MizanMetrics
import MizanReport
import MizanStore
import Testing

/// Likelihood runs in the stored format of docs/likelihood.md, written into a real SQLite store with the store API:
/// each item's `response.text` is the likelihood answer JSON and its scores are the per-item metric values.
enum LikelihoodRuns {
    /// Seven bits-per-byte languages of the multi-parallel corpus.
    static let languages = ["arb-Arab", "ary-Arab", "ary-Latn", "fra-Latn", "tzm-Latn", "zgh-Tfng", "eng-Latn"]

    /// A stored run's record: `likelihood.method` in the manifest, the metric specs, one suite hash and template.
    static func record(_ id: String, name: String, metrics: [String], method: String, items: Int) -> RunRecord {
        let manifest: JSONValue = .object([
            "name": .string(name),
            "metrics": .array(metrics.map { .object(["name": .string($0), "version": .string("\($0)/1")]) }),
            "suite": .object(["template_hash": .string("t1")]),
            "likelihood": .object(["method": .string(method), "context_size": .number(2048), "server": .null]),
            "samples": .object(["count": .number(1)]),
        ])
        return RunRecord(id: id, suiteID: "ll-suite", suiteVersion: "1.0.0", suiteHash: "hash-1", endpoint: "toy", model: name,
                         status: .completed, startedAt: "2026-12-06T18:00:00Z", finishedAt: "2026-12-06T18:01:00Z",
                         itemCount: items, manifest: manifest)
    }

    /// A rolling (bits per byte) item whose text scores `bpb` bits per byte over `bytes` bytes and `words` words.
    static func rollingItem(_ id: String, language: String, bpb: Double, bytes: Int = 150, words: Int = 25,
                            method: String = "llama.cpp-native") -> ItemRecord {
        let ll = -bpb * Double(bytes) * log(2)
        let answer: JSONValue = .object(["likelihood": .number(1), "method": .string(method),
                                         "rolling": .object(["logprob": .number(ll), "tokens": .number(40), "windows": .number(1),
                                                             "bytes": .number(Double(bytes)), "words": .number(Double(words))])])
        let scores = [
            ScoreRecord(metric: "bits_per_byte", metricVersion: "bits_per_byte/1", value: LikelihoodMetrics.bitsPerByte(logLikelihoods: [ll], bytes: [bytes])),
            ScoreRecord(metric: "byte_perplexity", metricVersion: "byte_perplexity/1", value: LikelihoodMetrics.bytePerplexity(logLikelihoods: [ll], bytes: [bytes])),
            ScoreRecord(metric: "word_perplexity", metricVersion: "word_perplexity/1", value: LikelihoodMetrics.wordPerplexity(logLikelihoods: [ll], words: [words])),
        ]
        return ItemRecord(itemID: id, language: language, requestHash: "rq-\(id)", prompt: "text \(id)",
                          response: ModelResponse(text: answer.canonicalJSON, httpStatus: 200, latency: 0.01), scores: scores,
                          fields: ["id": .string(id), "lang": .string(language)])
    }

    /// A log-likelihood multiple-choice item: one stored log-probability per choice (nil: a label outside the top k).
    static func choiceItem(_ id: String, language: String, logprobs: [Double?], gold: Int, method: String = "llama.cpp-native") -> ItemRecord {
        let choices = logprobs.indices.map { "choice \($0)" }
        let entries: [JSONValue] = logprobs.enumerated().map { i, lp in
            method == "chat-label-top-logprobs"
                ? .object(["label": .string(String(UnicodeScalar(65 + i)!)), "logprob": lp.map { .number($0) } ?? .null])
                : .object(["continuation": .string(" " + choices[i]), "logprob": lp.map { .number($0) } ?? .null, "tokens": .number(2),
                           "greedy": .bool(false), "bytes": .number(Double(choices[i].utf8.count + 1))])
        }
        let answer: JSONValue = .object(["likelihood": .number(1), "method": .string(method), "choices": .array(entries)])
        let lls = logprobs.map { $0 ?? -.infinity }
        let scores = [
            ScoreRecord(metric: "acc", metricVersion: "acc/1", value: LikelihoodMetrics.acc(lls, gold: gold)),
            ScoreRecord(metric: "acc_norm", metricVersion: "acc_norm/2",
                        value: LikelihoodMetrics.accNorm(lls, lengths: choices.map { (" " + $0).unicodeScalars.count }, gold: gold)),
            ScoreRecord(metric: "gold_prob", metricVersion: "gold_prob/1", value: LikelihoodMetrics.goldProbability(lls, gold: gold)),
            ScoreRecord(metric: "brier", metricVersion: "brier/1", value: LikelihoodMetrics.brier(lls, gold: gold)),
        ]
        return ItemRecord(itemID: id, language: language, requestHash: "rq-\(id)", prompt: "question \(id)",
                          response: ModelResponse(text: answer.canonicalJSON, httpStatus: 200, latency: 0.01), scores: scores,
                          choices: choices, answerIndex: gold, fields: ["id": .string(id), "lang": .string(language)])
    }

    /// Bits per byte of item `j` in language number `l`: a per-language level with a small spread, plus `shift`
    /// on the languages in `shifted`.
    static func bpb(language l: Int, item j: Int, shift: Double = 0, shifted: Set<Int> = []) -> Double {
        0.6 + 0.25 * Double(l) + 0.01 * Double((j * 7) % 5 - 2) + (shifted.contains(l) ? shift : 0)
    }

    /// A rolling run over every language (`perLanguage` texts each), stored in `store`.
    @discardableResult
    static func storeRolling(_ store: SQLiteStore, id: String, name: String, perLanguage: Int = 20, shift: Double = 0,
                             shifted: Set<Int> = [], method: String = "llama.cpp-native") throws -> RunRecord {
        let run = record(id, name: name, metrics: ["bits_per_byte", "byte_perplexity", "word_perplexity"], method: method,
                         items: perLanguage * languages.count)
        try store.createRun(run)
        var items: [ItemRecord] = []
        for (l, language) in languages.enumerated() {
            for j in 0..<perLanguage {
                items.append(rollingItem("t\(l)-\(j)", language: language, bpb: bpb(language: l, item: j, shift: shift, shifted: shifted), method: method))
            }
        }
        try store.record(runID: run.id, items: items)
        return run
    }

    /// The ECE fixture: in fra-Latn four items with probabilities 0.7 / 0.2 / 0.1, two right and two wrong (ECE 0.2);
    /// in arb-Arab three right items at 0.9 / 0.1 (ECE 0.1); together (4 · 0.2 + 3 · 0.1) / 7 = 1.1 / 7.
    static func calibrationItems(method: String = "llama.cpp-native") -> [ItemRecord] {
        let three = [log(0.7), log(0.2), log(0.1)], two = [log(0.9), log(0.1)]
        return [choiceItem("c0", language: "fra-Latn", logprobs: three, gold: 0, method: method),
                choiceItem("c1", language: "fra-Latn", logprobs: three, gold: 0, method: method),
                choiceItem("c2", language: "fra-Latn", logprobs: three, gold: 1, method: method),
                choiceItem("c3", language: "fra-Latn", logprobs: three, gold: 2, method: method),
                choiceItem("c4", language: "arb-Arab", logprobs: two, gold: 0, method: method),
                choiceItem("c5", language: "arb-Arab", logprobs: two, gold: 0, method: method),
                choiceItem("c6", language: "arb-Arab", logprobs: two, gold: 0, method: method)]
    }

    /// A stored multiple-choice run of `items`.
    @discardableResult
    static func storeChoices(_ store: SQLiteStore, id: String, name: String, items: [ItemRecord], method: String = "llama.cpp-native") throws -> RunRecord {
        let run = record(id, name: name, metrics: ["acc", "acc_norm", "gold_prob", "brier"], method: method, items: items.count)
        try store.createRun(run)
        try store.record(runID: run.id, items: items)
        return run
    }

    /// Runs the CLI in `dir` against the store at `store`.
    static func mizan(_ args: [String], store: String, in dir: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, args + ["--store", store], cwd: dir)
    }
}

/// Direction and scale of the likelihood metrics: one source of truth used by compare, diff, gate and the exports.
@Suite(.timeLimit(.minutes(5))) struct MetricDirectionTests {
    @Test func lowerIsBetterForTerBitsPerBytePerplexitiesBrierAndECE() {
        for m in ["ter", "bits_per_byte", "byte_perplexity", "word_perplexity", "brier", "ece"] {
            #expect(MetricRegistry.direction(ofMetric: m) == .lowerIsBetter, "\(m)")
        }
        for m in ["acc", "acc_norm", "gold_prob", "is_greedy", "loglikelihood", "exact", "bleu", "chrf"] {
            #expect(MetricRegistry.direction(ofMetric: m) == .higherIsBetter, "\(m)")
        }
        #expect(MetricDirection.lowerIsBetter.worsening(from: 0.9, to: 1.1) > 0)
        #expect(MetricDirection.higherIsBetter.worsening(from: 0.9, to: 1.1) < 0)
    }

    @Test func scalesOfTheLikelihoodMetrics() {
        for m in ["acc", "acc_norm", "is_greedy", "gold_prob"] { #expect(MetricRegistry.scale(ofMetric: m) == .unit, "\(m)") }
        #expect(MetricRegistry.scale(ofMetric: "brier") == .bounded(low: 0, high: 2))
        for m in ["loglikelihood", "bits_per_byte", "byte_perplexity", "word_perplexity"] {
            #expect(MetricRegistry.scale(ofMetric: m) == .unbounded, "\(m)")
        }
    }

    @Test func itemDiffCountsARiseInBitsPerByteAsARegression() {
        let a = LoadedRun(run: LikelihoodRuns.record("a", name: "a", metrics: ["bits_per_byte"], method: "llama.cpp-native", items: 2),
                          items: [LikelihoodRuns.rollingItem("x", language: "fra-Latn", bpb: 0.9), LikelihoodRuns.rollingItem("y", language: "fra-Latn", bpb: 0.9)])
        let b = LoadedRun(run: LikelihoodRuns.record("b", name: "b", metrics: ["bits_per_byte"], method: "llama.cpp-native", items: 2),
                          items: [LikelihoodRuns.rollingItem("x", language: "fra-Latn", bpb: 1.2), LikelihoodRuns.rollingItem("y", language: "fra-Latn", bpb: 0.7)])
        let changes = ItemDiff.changes(a, b, filter: ItemDiffFilter(metric: "bits_per_byte"))
        #expect(changes.first { $0.itemID == "x" }?.isRegression == true)
        #expect(changes.first { $0.itemID == "y" }?.isRegression == false)
        #expect(ItemDiff.changes(a, b, filter: ItemDiffFilter(metric: "bits_per_byte", regressionsOnly: true)).map(\.itemID) == ["x"])
    }

    @Test func calibrationReadsStoredAnswersAndSkipsOthers() throws {
        let items = LikelihoodRuns.calibrationItems()
        let p = try #require(Calibration.prediction(items[0]))
        #expect(abs(p.confidence - 0.7) < 1e-12 && p.correct)
        #expect(Calibration.prediction(items[2])?.correct == false)
        let figures = Calibration.figures(items)
        #expect(abs((figures["fra-Latn"]?.ece ?? -1) - 0.2) < 1e-9 && figures["fra-Latn"]?.n == 4)
        #expect(abs((figures["arb-Arab"]?.ece ?? -1) - 0.1) < 1e-9)
        #expect(abs((figures["all"]?.ece ?? -1) - 1.1 / 7) < 1e-9 && figures["all"]?.n == 7)
        // A chat-label answer with a label outside the top k: that choice has probability 0.
        let chat = LikelihoodRuns.choiceItem("k", language: "fra-Latn", logprobs: [log(0.6), nil, log(0.2)], gold: 2,
                                             method: "chat-label-top-logprobs")
        let q = try #require(Calibration.prediction(chat))
        #expect(abs(q.confidence - 0.75) < 1e-12 && !q.correct)
        #expect(Calibration.prediction(LikelihoodRuns.choiceItem("n", language: "fra-Latn", logprobs: [nil, nil], gold: 0)) == nil)
        // Rolling answers and generative answers hold no calibration data.
        #expect(Calibration.figures([LikelihoodRuns.rollingItem("r", language: "fra-Latn", bpb: 1)]).isEmpty)
        var generative = items[0]
        generative.response.text = "A"
        #expect(Calibration.prediction(generative) == nil)
    }
}
