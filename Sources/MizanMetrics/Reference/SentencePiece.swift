import CSentencePiece
import Foundation
import MizanCore

// SentencePiece models for the spBLEU tokenizers (`spm`, `flores101`, `flores200`). The model is always a file the
// user names: mizan never downloads one (sacrebleu downloads flores101/flores200 into ~/.sacrebleu/models).

/// A loaded SentencePiece model file, identified by the SHA-256 of its bytes.
///
/// Encoding goes through the SentencePiece C++ library (Debian `libsentencepiece-dev`) via the CSentencePiece
/// shim; `SentencePieceProcessor::Encode` is const, so one model serves every worker thread.
public final class SentencePieceModel: @unchecked Sendable, Hashable, CustomStringConvertible {
    // @unchecked Sendable: `handle` is only read after init (Encode is a const, thread-safe call) and freed in deinit.
    private let handle: OpaquePointer
    /// The model file as given.
    public let path: String
    /// Lowercase hex SHA-256 of the model file's bytes.
    public let sha256: String

    /// Loads `path`; throws a message naming the file and what to do when it is missing or not a model.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReferenceScoringError("cannot read the SentencePiece model '\(path)': no such file or not readable")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let h = mizan_spm_load(path, &error, error.count) else {
            let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ReferenceScoringError("'\(path)' is not a SentencePiece model (\(message)); pass a .model file made by spm_train or sentencepiece")
        }
        handle = h
        self.path = path
        var hash = MizanCore.SHA256()
        data.withUnsafeBytes { hash.update(buffer: $0) }
        sha256 = hash.finalizeHex()
    }

    deinit { mizan_spm_free(handle) }

    /// The first 12 hex digits of the hash, as signatures show it.
    public var shortHash: String { String(sha256.prefix(12)) }

    /// `path (sha256:…)`.
    public var description: String { "\(path) (sha256:\(sha256))" }

    /// The pieces of `text` joined by one space (sacrebleu's `" ".join(sp.EncodeAsPieces(line))`).
    public func encode(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            var out = ""
            encode(utf8: utf8) { out = String(decoding: $0, as: UTF8.self) }
            return out
        }
    }

    /// Encodes `length` bytes of valid UTF-8 at `text` and hands the space-joined pieces' UTF-8 to `body` (the same
    /// bytes `encode(_:)` returns, without building Strings: the spBLEU tokenizer's per-segment path).
    func encode(utf8 text: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if text.isEmpty { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        var length = 0
        let out = text.withMemoryRebound(to: CChar.self) { chars in
            mizan_spm_encode_joined(handle, chars.baseAddress!, chars.count, &length, nil, 0)
        }
        guard let out else {
            // Encode fails only on resource exhaustion; an empty token list would hide it, so stop.
            fatalError("SentencePiece could not encode a segment with '\(path)': \(encodeFailure(text))")
        }
        defer { mizan_spm_free_string(out) }
        UnsafeRawBufferPointer(start: out, count: length).withMemoryRebound(to: UInt8.self) { body($0) }
    }

    /// SentencePiece's message for a failed encoding (asked again, with a buffer for the message).
    private func encodeFailure(_ text: UnsafeBufferPointer<UInt8>) -> String {
        var length = 0
        var error = [CChar](repeating: 0, count: 256)
        let out = text.withMemoryRebound(to: CChar.self) { chars in
            mizan_spm_encode_joined(handle, chars.baseAddress!, chars.count, &length, &error, error.count)
        }
        if let out { mizan_spm_free_string(out) }
        return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Models are equal when their files' bytes are.
    public static func == (a: SentencePieceModel, b: SentencePieceModel) -> Bool { a.sha256 == b.sha256 }

    /// Hashes the file hash.
    public func hash(into hasher: inout Hasher) { hasher.combine(sha256) }
}
