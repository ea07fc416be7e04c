import MizanCore

/// Picks the normalizer for a level and a language tag.
public enum Normalizers {
    /// The normalizer for `level` applied to text in `tag`: `.none` is the identity, `.l0` is
    /// `CanonicalNormalizer` for every language, `.l1` is L0 followed by the language's own table
    /// (`l1(for:)`).
    public static func make(_ level: NormalizationLevel, for tag: LanguageTag) -> any Normalizer {
        switch level {
        case .none: return IdentityNormalizer()
        case .l0: return CanonicalNormalizer()
        case .l1: return l1(for: tag)
        }
    }

    /// The L1 normalizer for `tag`: Arabic script (arb, ary …) → `ar-l1`; `ary-Latn` → `arabizi-l1`;
    /// Tifinagh → `tfng-l1`; Latin Tamazight (zgh, tzm, shi, kab, rif) → `tam-latn-l1`;
    /// French → `fr-l1`; any other tag → `casefold-l1` (L0 + case folding).
    public static func l1(for tag: LanguageTag) -> any Normalizer {
        if tag.isArabicScript { return ArabicNormalizer() }
        if tag.isTifinagh { return TifinaghNormalizer() }
        if tag.language == "ary" && tag.script == "Latn" { return ArabiziNormalizer() }
        if tag.isLatinTamazight { return LatinTamazightNormalizer() }
        if tag.language == "fra" { return FrenchNormalizer() }
        return CasefoldNormalizer()
    }

    /// Every normalizer version that can be used for `tags`, keyed `"<tag> <level>"`
    /// (e.g. `"ary-Arab l1": "ar-l1/1"`), for the run manifest.
    public static func versions(for tags: [LanguageTag]) -> [String: String] {
        var result: [String: String] = [:]
        for tag in tags {
            for level in NormalizationLevel.allCases {
                result["\(tag) \(level.rawValue)"] = make(level, for: tag).version
            }
        }
        return result
    }

    /// Counts the invisible and bidi controls in `text` (what L0 deletes), for fidelity reports.
    public static func countControls(_ text: String) -> ControlCount { CanonicalNormalizer.countControls(text) }
}
