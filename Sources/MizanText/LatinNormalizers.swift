/// L1 for Darija in Latin letters, Arabizi (`arabizi-l1/1`), applied after L0: case folding only.
/// Digits inside words (3 = ع, 7 = ح, 9 = ق …) are letters and are kept exactly as written.
public struct ArabiziNormalizer: Normalizer {
    /// Creates the Arabizi L1 normalizer.
    public init() {}
    /// `arabizi-l1/1`.
    public var version: String { ArabiziNormalizer.version }
    /// The Arabizi L1 version string.
    public static let version = "arabizi-l1/1"
    /// Applies L0, then case folding.
    public func normalize(_ text: String) -> String { CaseFolding.fold(CanonicalNormalizer().normalize(text)) }
}

/// L1 for languages without their own table (`casefold-l1/1`): L0 plus case folding.
public struct CasefoldNormalizer: Normalizer {
    /// Creates the fallback L1 normalizer.
    public init() {}
    /// `casefold-l1/1`.
    public var version: String { CasefoldNormalizer.version }
    /// The fallback L1 version string.
    public static let version = "casefold-l1/1"
    /// Applies L0, then case folding.
    public func normalize(_ text: String) -> String { CaseFolding.fold(CanonicalNormalizer().normalize(text)) }
}

/// L1 for Tamazight in Latin script (zgh, tzm, shi, kab, rif: `tam-latn-l1/1`), applied after L0:
/// - lookalikes: ε ϵ → ɛ · γ → ɣ · Γ Г → Ɣ · Σ Ԑ → Ɛ · ţ ț → ṭ · ş ș → ṣ · ğ ĝ → ǧ · ʷ → w,
///   and the capitals of the cedilla/comma/breve forms (Ţ Ț → Ṭ, Ş Ș → Ṣ, Ğ Ĝ → Ǧ);
/// - then case folding (Ɣ → ɣ, Ɛ → ɛ, Ṭ → ṭ).
/// The legacy Kabyle ç → č mapping is not applied: it is wrong for any French inside the text.
public struct LatinTamazightNormalizer: Normalizer {
    /// Creates the Latin Tamazight L1 normalizer.
    public init() {}
    /// `tam-latn-l1/1`.
    public var version: String { LatinTamazightNormalizer.version }
    /// The Latin Tamazight L1 version string.
    public static let version = "tam-latn-l1/1"

    /// Applies L0, the lookalike mappings, then case folding.
    public func normalize(_ text: String) -> String {
        let l0 = CanonicalNormalizer().normalize(text)
        var out = ScalarBuffer(capacity: l0.utf8.count)
        for s in l0.unicodeScalars { CaseFolding.fold(LatinTamazightNormalizer.lookalike(s), into: &out) }
        return out.string
    }

    /// The Tamazight letter a lookalike stands for (or `s` itself).
    @inline(__always)
    public static func lookalike(_ s: Unicode.Scalar) -> Unicode.Scalar {
        switch s.value {
        case 0x03B5, 0x03F5: return "\u{025B}"           // ε ϵ → ɛ
        case 0x03B3: return "\u{0263}"                   // γ → ɣ
        case 0x0393, 0x0413: return "\u{0194}"           // Γ Г → Ɣ
        case 0x03A3, 0x0510: return "\u{0190}"           // Σ Ԑ → Ɛ
        case 0x0163, 0x021B: return "\u{1E6D}"           // ţ ț → ṭ
        case 0x0162, 0x021A: return "\u{1E6C}"           // Ţ Ț → Ṭ
        case 0x015F, 0x0219: return "\u{1E63}"           // ş ș → ṣ
        case 0x015E, 0x0218: return "\u{1E62}"           // Ş Ș → Ṣ
        case 0x011F, 0x011D: return "\u{01E7}"           // ğ ĝ → ǧ
        case 0x011E, 0x011C: return "\u{01E6}"           // Ğ Ĝ → Ǧ
        case 0x02B7: return "w"                          // ʷ → w
        default: return s
        }
    }
}

/// L1 for French (`fr-l1/1`), applied after L0. L1 only serves answer matching, so it is lenient:
/// - ’ ʼ ‘ → ' and « » “ ” → ";
/// - the (no-break, already a plain space after L0) space before ; : ! ? » and after « is removed;
/// - case folding; œ → oe (and æ → ae);
/// - accents removed (é → e, ç → c, à → a): accent-insensitive matching. Never use L1 for MT metrics.
public struct FrenchNormalizer: Normalizer {
    /// Creates the French L1 normalizer.
    public init() {}
    /// `fr-l1/1`.
    public var version: String { FrenchNormalizer.version }
    /// The French L1 version string.
    public static let version = "fr-l1/1"

    /// Applies L0, then the French L1 steps.
    public func normalize(_ text: String) -> String {
        let l0 = CanonicalNormalizer().normalize(text)
        var out = ScalarBuffer(capacity: l0.utf8.count)
        var afterOpeningGuillemet = false
        for s in l0.unicodeScalars {
            if afterOpeningGuillemet {
                afterOpeningGuillemet = false
                if s == " " { continue }
            }
            switch s.value {
            case 0x2019, 0x02BC, 0x2018:
                out.append(UInt8(ascii: "'"))
            case 0x00AB:
                out.append(UInt8(ascii: "\""))
                afterOpeningGuillemet = true
            case 0x00BB, 0x3B, 0x3A, 0x21, 0x3F:
                out.dropTrailingSpace()
                out.append(s.value == 0x00BB ? "\"" : s)
            case 0x201C, 0x201D:
                out.append(UInt8(ascii: "\""))
            case 0x0153, 0x0152:
                out.append(contentsOf: "oe")
            case 0x00E6, 0x00C6:
                out.append(contentsOf: "ae")
            case 0x00...0x7F:
                CaseFolding.fold(s, into: &out)
            default:
                if s.properties.changesWhenCaseFolded {
                    for f in CaseFolding.fold(String(Character(s))).unicodeScalars { CaseFolding.stripAccents(f, into: &out) }
                } else {
                    CaseFolding.stripAccents(s, into: &out)
                }
            }
        }
        return out.string
    }
}
