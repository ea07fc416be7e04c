import ArgumentParser
import Foundation
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

    @Option(name: .long, help: "BLEU tokenizer: 13a (default), intl, char, none, spm, flores101, flores200.")
    var tokenize: String = "13a"

    @Option(name: .customLong("spm-model"),
            help: "SentencePiece model file for --tokenize spm, flores101 or flores200 (mizan never downloads one).")
    var spmModel: String?

    @Flag(name: .long, help: "Case-insensitive BLEU/chrF (TER is case-insensitive by default, as in sacrebleu).")
    var lowercase = false

    @Flag(name: .long, help: "Case-sensitive TER (sacrebleu --ter-case-sensitive).")
    var caseSensitive = false

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
        guard let tok = BLEUTokenizer(rawValue: tokenize) else {
            fail("unknown tokenizer '\(tokenize)'; use one of \(BLEUTokenizer.namesForMessages) (intl for Arabic script)")
        }
        if ref.isEmpty { fail("give at least one --ref FILE") }
        var options = ReferenceOptions(tokenize: tok)
        if let spmModel {
            guard tok.usesSentencePiece, kind == .bleu else {
                fail("--spm-model goes with --metric bleu and --tokenize spm, flores101 or flores200")
            }
            do { options.spmModel = try SentencePieceModel(path: spmModel) } catch let e as ReferenceScoringError { fail(e.message) }
        } else if tok.usesSentencePiece && kind == .bleu {
            fail(tok.missingModelMessage(how: "pass --spm-model PATH"))
        }
        if kind == .ter {
            options.lowercase = !caseSensitive
        } else if lowercase {
            options.lowercase = true
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

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("mizan score: error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
