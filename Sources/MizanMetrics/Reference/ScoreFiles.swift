import MizanCore
import Foundation

/// A problem with `mizan score` input (exit code 2): unreadable file, bad UTF-8, line-count mismatch.
public struct ScoreInputError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What is wrong, where, and what to do.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Segment files as sacrebleu reads them.
///
/// Lines are split on `\n` only (never on `\r`, U+2028 or U+0085); one final `\n` ends the last line
/// rather than starting an empty one; an empty file has no lines. Nothing is trimmed. (sacrebleu's
/// CLI reads the same lines and then `rstrip()`s each one; that is score-neutral for BLEU, chrF and
/// TER, which drop trailing whitespace themselves, so mizan keeps the text as it is.)
public enum SegmentFile {
    /// Reads and splits a UTF-8 file; throws naming the file and line on bad UTF-8.
    public static func read(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScoreInputError("cannot read '\(path)': no such file or not readable")
        }
        return try split(data, name: path)
    }

    /// Splits UTF-8 bytes into segments; `name` is used in error messages.
    public static func split(_ data: Data, name: String) throws -> [String] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String] in
            let bytes = raw.bindMemory(to: UInt8.self)
            var end = bytes.count
            if end == 0 { return [] }
            if bytes[end - 1] == 0x0A { end -= 1 }
            // line boundaries first (a cheap byte scan), then decoding, in parallel for big files
            var bounds: [Int] = [0]
            for i in 0..<end where bytes[i] == 0x0A { bounds.append(i + 1) }
            bounds.append(end + 1)
            let n = bounds.count - 1
            let base = UncheckedBox(bytes)
            let box = UncheckedBox(bounds)
            let decode: @Sendable (Int) -> String? = { k in
                let slice = UnsafeBufferPointer(rebasing: base.value[box.value[k]..<(box.value[k + 1] - 1)])
                return String(validating: slice, as: UTF8.self)
            }
            let lines = ReferenceScoring.parallelMap(n, decode)
            if let bad = lines.firstIndex(where: { $0 == nil }) {
                let slice = UnsafeBufferPointer(rebasing: bytes[bounds[bad]..<(bounds[bad + 1] - 1)])
                let offset = firstInvalidOffset(slice)
                throw ScoreInputError("'\(name)' line \(bad + 1): invalid UTF-8 (byte \(offset + 1) of the line); re-encode the file as UTF-8")
            }
            return lines.map { $0! }
        }
    }

    /// Offset of the first byte where UTF-8 decoding fails (error path only).
    private static func firstInvalidOffset(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var decoder = UTF8()
        var it = b.makeIterator()
        var consumed = 0
        while true {
            switch decoder.decode(&it) {
            case .scalarValue(let v): consumed += UTF8.width(v)
            case .emptyInput, .error: return consumed
            }
        }
    }
}

/// What `mizan score` was asked to do.
public struct ScoreRequest: Sendable, Hashable {
    /// Metric to compute.
    public var metric: ReferenceMetricKind
    /// sacrebleu options (tokenizer, case).
    public var options: ReferenceOptions
    /// Reference files (one reference set each).
    public var referencePaths: [String]
    /// Hypothesis file.
    public var hypothesisPath: String
    /// One score per segment instead of the corpus score.
    public var sentence: Bool
    /// JSON output.
    public var json: Bool
    /// Decimals in text output (sacrebleu's `--width`, default 1).
    public var width: Int
    /// More hypothesis files compared with `hypothesisPath` (the baseline) by `pairedTest`.
    public var systemPaths: [String] = []
    /// The paired significance test (sacrebleu `--paired-bs` / `--paired-ar`), nil for plain scoring.
    public var pairedTest: PairedTestKind?
    /// Resamples (bs) or trials (ar); nil for sacrebleu's defaults (1000 / 10000).
    public var pairedSamples: Int?
    /// The resampling seed (sacrebleu's `SACREBLEU_SEED`, default 12345).
    public var pairedSeed: UInt64 = PairedSignificance.defaultSeed

    /// A request; defaults mirror sacrebleu's CLI.
    public init(metric: ReferenceMetricKind, options: ReferenceOptions = ReferenceOptions(), referencePaths: [String],
                hypothesisPath: String, sentence: Bool = false, json: Bool = false, width: Int = 1) {
        self.metric = metric
        self.options = options
        self.referencePaths = referencePaths
        self.hypothesisPath = hypothesisPath
        self.sentence = sentence
        self.json = json
        self.width = width
    }
}

/// The library side of `mizan score`: reads files, scores, and renders the output text.
public enum ScoreRunner {
    /// Runs a request and returns what the command prints (lines joined by `\n`, with a final newline).
    public static func run(_ request: ScoreRequest) throws -> String {
        guard !request.referencePaths.isEmpty else { throw ScoreInputError("give at least one \(CLIFlag.ref) FILE") }
        if request.pairedTest != nil || !request.systemPaths.isEmpty { return try runPaired(request) }
        let hyps = try SegmentFile.read(request.hypothesisPath)
        var refSets: [[String]] = []
        for path in request.referencePaths {
            let refs = try SegmentFile.read(path)
            guard refs.count == hyps.count else {
                throw ScoreInputError("line counts differ: '\(request.hypothesisPath)' has \(hyps.count) lines but '\(path)' has \(refs.count); every reference file needs exactly one line per hypothesis line")
            }
            refSets.append(refs)
        }
        guard !hyps.isEmpty else { throw ScoreInputError("'\(request.hypothesisPath)' is empty: nothing to score") }
        return try render(request, hypotheses: hyps, references: refSets)
    }

    /// Scores in-memory segments and renders them like `run` (used by tests and by `run`).
    public static func render(_ request: ScoreRequest, hypotheses: [String], references: [[String]]) throws -> String {
        let metricName = request.metric.rawValue
        var hypotheses = hypotheses, references = references
        if request.options.whitespace && (request.metric == .chrf || request.metric == .chrfpp) {
            // sacrebleu's CLI rstrip()s every line; only chrF with whitespace kept can tell
            hypotheses = hypotheses.map(PyText.rstripped)
            references = references.map { $0.map(PyText.rstripped) }
        }
        if request.sentence {
            let scores = try ReferenceScoring.sentences(metric: request.metric, hypotheses: hypotheses,
                                                        references: references, options: request.options)
            var out = ""
            out.reserveCapacity(scores.count * 24)
            for (i, s) in scores.enumerated() {
                if request.json {
                    out += "{\"metric\":\(jsonString(metricName)),\"segment\":\(i + 1),\"score\":\(jsonNumber(s))}\n"
                } else {
                    out += String(format: "%.\(request.width)f", s) + "\n"
                }
            }
            return out
        }
        let result = try ReferenceScoring.corpus(metric: request.metric, hypotheses: hypotheses,
                                                 references: references, options: request.options)
        if request.json {
            var extra = ""
            if let b = result.bleu {
                extra = ",\"counts\":[\(b.stats.correct.map(String.init).joined(separator: ","))]"
                    + ",\"totals\":[\(b.stats.total.map(String.init).joined(separator: ","))]"
                    + ",\"sys_len\":\(b.stats.sysLen),\"ref_len\":\(b.stats.refLen)"
            }
            return "{\"metric\":\(jsonString(metricName)),\"score\":\(jsonNumber(result.score)),\"signature\":\(jsonString(result.signature))\(extra)}\n"
        }
        return result.formatted(width: request.width) + "\n"
    }

    /// A JSON number (shortest round-trip form).
    static func jsonNumber(_ d: Double) -> String { d.isFinite ? "\(d)" : "null" }

    /// A JSON string literal (the same escaping as every other JSON mizan writes).
    static func jsonString(_ s: String) -> String { JSONValue.string(s).canonicalJSON }
}
