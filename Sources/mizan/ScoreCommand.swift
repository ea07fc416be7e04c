import ArgumentParser
import Foundation
import MizanCore
import MizanMetrics

/// `mizan score`: sacrebleu-compatible BLEU, chrF, chrF++ and TER over plain-text files.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a hypothesis file against reference files (sacrebleu 2.6.0 parity).",
        discussion: """
        Files are UTF-8, one segment per line, split on \\n only; a final \\n ends the last line. \
        No normalization is applied (raw sacrebleu semantics). Use --tokenize intl for Arabic script: \
        13a does not split ، ؛ ؟. Exit codes: 0 ok, 2 usage or input error.
        """)

    @Option(name: .long, help: "Metric: bleu, chrf, chrf++ or ter.")
    var metric: String

    @Option(name: .long, help: "BLEU tokenizer: 13a (default), intl, char, zh, none, spm, flores101, flores200.")
    var tokenize: String?

    @Option(name: .customLong("spm-model"),
            help: "SentencePiece model file for --tokenize spm, flores101 or flores200 (mizan never downloads one).")
    var spmModel: String?

    @Flag(name: .long, help: "Case-insensitive BLEU/chrF (TER is case-insensitive by default, as in sacrebleu).")
    var lowercase = false

    @Flag(name: .long, help: "Case-sensitive TER (sacrebleu --ter-case-sensitive).")
    var caseSensitive = false

    @Option(name: .long, help: "BLEU smoothing: exp (default), floor, add-k, none.")
    var smoothMethod: String?

    @Option(name: .long, help: "BLEU smoothing value for floor (default 0.1) and add-k (default 1).")
    var smoothValue: Double?

    @Option(name: .long, help: "BLEU's highest n-gram order (default 4).")
    var maxNgramOrder: Int?

    @Flag(name: .long, inversion: .prefixedNo,
          help: "BLEU effective order (default: off for the corpus score, on with --sentence).")
    var effectiveOrder: Bool?

    @Option(name: .long, help: "chrF character n-gram order (default 6).")
    var chrfCharOrder: Int?

    @Option(name: .long, help: "chrF word n-gram order (default 0 for chrf, 2 for chrf++).")
    var chrfWordOrder: Int?

    @Option(name: .long, help: "chrF beta: recall weight (default 2).")
    var chrfBeta: Int?

    @Flag(name: .long, help: "chrF: keep whitespace in character n-grams.")
    var chrfWhitespace = false

    @Flag(name: .long, help: "chrF: epsilon smoothing (chrF++.py, NLTK, Moses) instead of effective order.")
    var chrfEpsSmoothing = false

    @Flag(name: .long, help: "TER: Tercom normalization (punctuation split, XML entities).")
    var terNormalized = false

    @Flag(name: .long, help: "TER: remove punctuation.")
    var terNoPunct = false

    @Flag(name: .long, help: "TER: split CJK characters (with --ter-normalized), remove CJK punctuation (with --ter-no-punct).")
    var terAsianSupport = false

    @Option(name: .long, help: "Reference file; repeat for several reference sets.")
    var ref: [String] = []

    @Option(name: .long, help: "Hypothesis (system output) file; repeat for a paired test (the first is the baseline).")
    var hyp: [String]

    @Flag(name: .long, help: "Paired bootstrap resampling test of every --hyp against the first (sacrebleu --paired-bs).")
    var pairedBs = false

    @Flag(name: .long, help: "Paired approximate randomization test of every --hyp against the first (sacrebleu --paired-ar).")
    var pairedAr = false

    @Option(name: .long, help: "Bootstrap resamples of --paired-bs (default 1000).")
    var pairedBsN: Int?

    @Option(name: .long, help: "Trials of --paired-ar (default 10000).")
    var pairedArN: Int?

    @Option(name: .long, help: "Seed of the paired tests' resampling (sacrebleu's SACREBLEU_SEED; default 12345).")
    var pairedSeed: UInt64 = 12345

    @Flag(name: .long, help: "One score per segment instead of the corpus score.")
    var sentence = false

    @Flag(name: .long, help: "JSON output.")
    var json = false

    @Option(name: .long, help: "Decimals in text output (sacrebleu's default 1).")
    var width: Int = 1

    func run() async throws {
        guard let kind = ReferenceMetricKind(rawValue: metric.lowercased()) else {
            fail("unknown metric '\(metric)'; use bleu, chrf, chrf++ or ter")
        }
        if ref.isEmpty { fail("give at least one --ref FILE") }
        var options: ReferenceOptions
        do {
            options = try ReferenceOptions.parse(kind, optionValues(kind), spelling: { $0.flag.description })
        } catch let e as MetricConfigError {
            fail(e.message)
        }
        let tok = options.tokenize
        if let spmModel {
            guard tok.usesSentencePiece, kind == .bleu else {
                fail("--spm-model goes with --metric bleu and --tokenize spm, flores101 or flores200")
            }
            do { options.spmModel = try SentencePieceModel(path: spmModel) } catch let e as ReferenceScoringError { fail(e.message) }
        } else if tok.usesSentencePiece && kind == .bleu {
            fail(tok.missingModelMessage(how: "pass --spm-model PATH"))
        }
        if hyp.isEmpty { fail("give a --hyp FILE") }
        if pairedBs && pairedAr { fail("--paired-bs and --paired-ar exclude each other; choose one") }
        var request = ScoreRequest(metric: kind, options: options, referencePaths: ref, hypothesisPath: hyp[0],
                                   sentence: sentence, json: json, width: max(0, width))
        request.systemPaths = Array(hyp.dropFirst())
        request.pairedTest = pairedBs ? .bootstrap : (pairedAr ? .approximateRandomization : nil)
        request.pairedSamples = pairedBs ? pairedBsN : (pairedAr ? pairedArN : nil)
        request.pairedSeed = pairedSeed
        do {
            let text = try ScoreRunner.run(request)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch let e as ScoreInputError {
            fail(e.message)
        } catch let e as ReferenceScoringError {
            fail(e.message)
        }
    }

    /// The options given on the command line, as a suite entry would spell them (only those given).
    private func optionValues(_ kind: ReferenceMetricKind) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        func set(_ key: ReferenceOptionKey, _ value: JSONValue?) { if let value { o[key.rawValue] = value } }
        set(.tokenize, tokenize.map { .string($0) })
        if kind == .ter {
            set(.lowercase, .bool(!caseSensitive))
        } else if lowercase {
            set(.lowercase, .bool(true))
        }
        set(.smoothMethod, smoothMethod.map { .string($0) })
        set(.smoothValue, smoothValue.map { .number($0) })
        set(.maxNgramOrder, maxNgramOrder.map { .number(Double($0)) })
        set(.effectiveOrder, effectiveOrder.map { .bool($0) })
        set(.charOrder, chrfCharOrder.map { .number(Double($0)) })
        set(.wordOrder, chrfWordOrder.map { .number(Double($0)) })
        set(.beta, chrfBeta.map { .number(Double($0)) })
        if chrfWhitespace { set(.whitespace, .bool(true)) }
        if chrfEpsSmoothing { set(.epsSmoothing, .bool(true)) }
        if terNormalized { set(.normalized, .bool(true)) }
        if terNoPunct { set(.noPunct, .bool(true)) }
        if terAsianSupport { set(.asianSupport, .bool(true)) }
        return o
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("mizan score: error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
