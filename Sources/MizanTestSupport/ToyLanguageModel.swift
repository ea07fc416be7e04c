import Foundation

/// A deterministic toy language model, so likelihood tests can check exact numbers (docs/likelihood.md).
///
/// - Vocabulary: ids 0–255 are the single UTF-8 bytes, 256 is BOS (`<s>`, no bytes), and ids from 257
///   are the multi-byte `pieces`, in order.
/// - Tokenizer: greedy longest match at each byte position over `pieces`, else the single byte (byte fallback);
///   `addSpecial` puts BOS first.
/// - Log-probabilities: a bigram model. score(p, n) = ((131·p + 197·n + 7) mod 1009) / 200, and
///   log p(n | …, p) = score(p, n) − log Σₘ exp(score(p, m)) over the whole vocabulary (BOS included), so the
///   probabilities after any token sum to 1. Only the previous token matters; 1009 is prime and the
///   vocabulary is smaller, so no two tokens after the same token tie (the greedy token is unique).
public struct ToyLanguageModel: Sendable {
    /// The id of the beginning-of-sequence token.
    public static let bos = 256
    /// The multi-byte pieces, with ids 257, 258, … in this order.
    public static let defaultPieces = [" the", " of", " is", " capital", " Rabat", " Paris", " Morocco", " France",
                                       "The", " city", " A", " B", " C", " D", "ال", " الرباط", " عاصمة", "ⵜⴰ"]
    /// The multi-byte pieces of this model.
    public let pieces: [String]
    /// Tokens the server accepts in one request (prompt plus generated), like llama-server's `n_ctx`.
    public let contextSize: Int
    private let pieceBytes: [[UInt8]]

    /// Creates the model; `contextSize` bounds prompt plus generated tokens per request.
    public init(pieces: [String] = ToyLanguageModel.defaultPieces, contextSize: Int = 64) {
        self.pieces = pieces
        self.contextSize = contextSize
        self.pieceBytes = pieces.map { Array($0.utf8) }
    }

    /// Number of token ids (bytes, BOS, pieces).
    public var vocabularySize: Int { 257 + pieces.count }

    /// The token ids of `text`, BOS first when `addSpecial`.
    public func tokenize(_ text: String, addSpecial: Bool) -> [Int] {
        let bytes = Array(text.utf8)
        var ids: [Int] = addSpecial ? [Self.bos] : []
        var i = 0
        while i < bytes.count {
            var best = -1, bestLength = 1
            for (k, piece) in pieceBytes.enumerated() where piece.count > bestLength && i + piece.count <= bytes.count {
                if bytes[i..<i + piece.count].elementsEqual(piece) { best = k; bestLength = piece.count }
            }
            ids.append(best >= 0 ? 257 + best : Int(bytes[i]))
            i += bestLength
        }
        return ids
    }

    /// The bytes of token `id` (empty for BOS and unknown ids).
    public func bytes(of id: Int) -> [UInt8] {
        if (0..<256).contains(id) { return [UInt8(id)] }
        if id > Self.bos, id < vocabularySize { return pieceBytes[id - 257] }
        return []
    }

    /// The text of token `id` as servers show it (`<s>` for BOS; a lone non-ASCII byte decodes to U+FFFD).
    public func piece(_ id: Int) -> String {
        id == Self.bos ? "<s>" : String(decoding: bytes(of: id), as: UTF8.self)
    }

    /// The text of a token sequence (BOS contributes nothing).
    public func detokenize(_ ids: [Int]) -> String { String(decoding: ids.flatMap { bytes(of: $0) }, as: UTF8.self) }

    /// score(p, n), the unnormalised logit.
    static func score(_ previous: Int, _ next: Int) -> Double { Double((131 * previous + 197 * next + 7) % 1009) / 200 }

    /// log p(next | previous) for every id of the vocabulary (index = id).
    public func logProbabilities(after previous: Int) -> [Double] {
        let scores = (0..<vocabularySize).map { Self.score(previous, $0) }
        let top = scores.max() ?? 0
        let logZ = top + log(scores.reduce(0) { $0 + exp($1 - top) })
        return scores.map { $0 - logZ }
    }

    /// log p(next | previous).
    public func logProbability(of next: Int, after previous: Int) -> Double { logProbabilities(after: previous)[next] }

    /// The `k` most likely next ids after `previous` with their log-probabilities, most likely first.
    public func top(_ k: Int, after previous: Int) -> [(id: Int, logprob: Double)] {
        let lp = logProbabilities(after: previous)
        return lp.indices.sorted { lp[$0] > lp[$1] }.prefix(max(0, k)).map { ($0, lp[$0]) }
    }

    /// The most likely next id after `previous`.
    public func greedy(after previous: Int) -> Int { top(1, after: previous)[0].id }
}
