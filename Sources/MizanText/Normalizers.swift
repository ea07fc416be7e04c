import Foundation
import MizanCore

/// Picks the normalizer for a level and a language tag.
public enum Normalizers {
    /// The normalizer for `level` applied to text in `tag`.
    /// PLACEHOLDER until the per-language L1 tables land: L0 = NFC + whitespace only.
    public static func make(_ level: NormalizationLevel, for tag: LanguageTag) -> any Normalizer {
        switch level {
        case .none: return IdentityNormalizer()
        case .l0, .l1: return BasicNFC()
        }
    }
}

struct BasicNFC: Normalizer {
    var version: String { "nfc/0" }
    func normalize(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
