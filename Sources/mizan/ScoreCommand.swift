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

    @Option(name: .long, help: "BLEU tokenizer: 13a (default), intl, char, none.")
    var tokenize: String = "13a"

    @Flag(name: .long, help: "Case-insensitive BLEU/chrF (TER is case-insensitive by default, as in sacrebleu).")
    var lowercase = false

    @Flag(name: .long, help: "Case-sensitive TER (sacrebleu --ter-case-sensitive).")
    var caseSensitive = false

    @Option(name: .long, help: "Reference file; repeat for several reference sets.")
    var ref: [String] = []

    @Option(name: .long, help: "Hypothesis (system output) file.")
    var hyp: String

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
            fail("unknown tokenizer '\(tokenize)'; use 13a, intl, char or none (intl for Arabic script)")
        }
        if ref.isEmpty { fail("give at least one --ref FILE") }
        var options = ReferenceOptions(tokenize: tok)
        if kind == .ter {
            options.lowercase = !caseSensitive
        } else if lowercase {
            options.lowercase = true
        }
        let request = ScoreRequest(metric: kind, options: options, referencePaths: ref, hypothesisPath: hyp,
                                   sentence: sentence, json: json, width: max(0, width))
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
