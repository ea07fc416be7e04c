import Foundation

/// Metrics over log-likelihoods (docs/likelihood.md), with lm-evaluation-harness's definitions
/// (lm_eval/api/task.py `process_results` and lm_eval/api/metrics.py):
/// - `acc`: 1 when the gold choice has the highest log-likelihood (the first maximum on ties, as `np.argmax`).
/// - `acc_norm`: the same over log-likelihood ÷ the choice's length in characters (Unicode code points of the
///   continuation without its leading whitespace: lm-eval's `len(choice)`, the choice without the target delimiter).
/// - `acc_bytes`: the same over log-likelihood ÷ the choice's UTF-8 bytes (the continuation without its leading
///   whitespace: lm-eval's `acc_bytes`, `len(choice.encode("utf-8"))`).
/// - `bits_per_byte` = −Σ log-likelihood ÷ Σ UTF-8 bytes ÷ ln 2; `byte_perplexity` = exp(−Σ ll ÷ Σ bytes);
///   `word_perplexity` = exp(−Σ ll ÷ Σ words), words counted as `len(re.split(r"\s+", text))`. The sums run
///   over all documents (lm-eval's `weighted_perplexity` / `bits_per_byte` aggregations), not a mean of ratios.
/// Calibration (not in lm-eval): probabilities are the softmax over the choices' log-likelihoods.
public enum LikelihoodMetrics {
    /// Index of the first maximum (nil for an empty list).
    static func argmax(_ values: [Double]) -> Int? {
        var best: Int?
        for (i, v) in values.enumerated() where best == nil || v > values[best!] { best = i }
        return best
    }

    /// 1 when `gold` has the highest log-likelihood, else 0.
    public static func acc(_ logLikelihoods: [Double], gold: Int) -> Double { argmax(logLikelihoods) == gold ? 1 : 0 }

    /// 1 when `gold` has the highest log-likelihood per unit of length (`lengths`: code points for `acc_norm`,
    /// UTF-8 bytes for `acc_bytes`; a length below 1 counts as 1), else 0.
    public static func accNorm(_ logLikelihoods: [Double], lengths: [Int], gold: Int) -> Double {
        argmax(normalised(logLikelihoods, lengths: lengths)) == gold ? 1 : 0
    }

    /// Each log-likelihood divided by its length (at least 1).
    public static func normalised(_ logLikelihoods: [Double], lengths: [Int]) -> [Double] {
        zip(logLikelihoods, lengths).map { $0 / Double(max(1, $1)) }
    }

    /// lm-eval's `len(choice.encode("utf-8"))` for a continuation: its UTF-8 bytes after its leading whitespace.
    public static func choiceBytes(ofContinuation continuation: String) -> Int {
        String(String.UnicodeScalarView(continuation.unicodeScalars.drop { $0.properties.isWhitespace })).utf8.count
    }

    /// lm-eval's `len(choice)` for a continuation: its Unicode code points after its leading whitespace (the
    /// target delimiter, e.g. the space of `" {{choice}}"`).
    public static func choiceLength(ofContinuation continuation: String) -> Int {
        continuation.unicodeScalars.drop { $0.properties.isWhitespace }.count
    }

    /// Softmax of the log-likelihoods (the probability the model gives each choice among the choices).
    public static func softmax(_ logLikelihoods: [Double]) -> [Double] {
        guard let top = logLikelihoods.max() else { return [] }
        let e = logLikelihoods.map { exp($0 - top) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    /// The probability mass on the gold choice.
    public static func goldProbability(_ logLikelihoods: [Double], gold: Int) -> Double { softmax(logLikelihoods)[gold] }

    /// Multi-class Brier score Σₖ (pₖ − [k = gold])², from 0 (certain and right) to 2 (certain and wrong).
    public static func brier(_ logLikelihoods: [Double], gold: Int) -> Double {
        softmax(logLikelihoods).enumerated().reduce(0) { $0 + pow($1.element - ($1.offset == gold ? 1 : 0), 2) }
    }

    /// Expected calibration error over items: each item's confidence is its top softmax probability and it
    /// is correct when that choice is gold. `bins` equal-width bins over [0, 1] (bin i holds confidences in
    /// (i/bins, (i+1)/bins], a confidence of exactly 0 goes to bin 0); ECE = Σ_b (n_b / N) · |accuracy_b − mean confidence_b|.
    public static func expectedCalibrationError(confidences: [Double], correct: [Bool], bins: Int = 10) -> Double {
        guard !confidences.isEmpty, confidences.count == correct.count, bins > 0 else { return 0 }
        var count = [Int](repeating: 0, count: bins), hits = [Double](repeating: 0, count: bins)
        var sum = [Double](repeating: 0, count: bins)
        for (c, ok) in zip(confidences, correct) {
            let b = min(bins - 1, max(0, Int((c * Double(bins)).rounded(.up)) - 1))
            count[b] += 1
            sum[b] += c
            hits[b] += ok ? 1 : 0
        }
        let n = Double(confidences.count)
        return (0..<bins).reduce(0) { total, b in
            count[b] == 0 ? total : total + Double(count[b]) / n * abs(hits[b] / Double(count[b]) - sum[b] / Double(count[b]))
        }
    }

    /// Words as lm-eval counts them: `len(re.split(r"\s+", text))`, i.e. whitespace runs + 1.
    public static func wordCount(_ text: String) -> Int {
        var runs = 0, inRun = false
        for s in text.unicodeScalars {
            let ws = s.properties.isWhitespace
            if ws && !inRun { runs += 1 }
            inRun = ws
        }
        return runs + 1
    }

    /// −Σ ll ÷ Σ bytes ÷ ln 2 over documents (lower is better).
    public static func bitsPerByte(logLikelihoods: [Double], bytes: [Int]) -> Double {
        -logLikelihoods.reduce(0, +) / Double(bytes.reduce(0, +)) / log(2)
    }

    /// exp(−Σ ll ÷ Σ bytes) over documents.
    public static func bytePerplexity(logLikelihoods: [Double], bytes: [Int]) -> Double {
        exp(-logLikelihoods.reduce(0, +) / Double(bytes.reduce(0, +)))
    }

    /// exp(−Σ ll ÷ Σ words) over documents.
    public static func wordPerplexity(logLikelihoods: [Double], words: [Int]) -> Double {
        exp(-logLikelihoods.reduce(0, +) / Double(words.reduce(0, +)))
    }
}
