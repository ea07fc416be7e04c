/// L1 for Arabic-script text, Modern Standard Arabic and Darija (`ar-l1/1`), applied after L0:
/// - removes tashkeel U+064B–U+065F and U+0670, plus the Quranic and extended marks
///   U+0610–U+061A and U+06D6–U+06ED (mizan removes them all, since L1 is only used for
///   matching; the full table is in docs/normalization.md);
/// - removes tatweel U+0640;
/// - أ إ آ ٱ → ا · ى → ي · ة → ه · ؤ → و · ئ → ي · Farsi ی → ي · keheh ک → ك;
/// - Darija gaf: ڭ U+06AD, ݣ U+0763 and گ U+06AF all become **ڭ U+06AD**, the form Moroccan
///   orthography (IRCAM, place names such as ڭلميم) uses;
/// - Arabic-Indic U+0660–U+0669 and Extended U+06F0–U+06F9 digits → 0–9; ٫ → . and ٬ → ,;
/// - ، → , · ؛ → ; · ؟ → ? · « » → ";
/// - **on by default**: a letter repeated 3 or more times in a row is cut to 2 (بزااااف → بزااف).
///   Arabic writes no letter three times in a row (doubling uses shadda; لل in الله is two), so only
///   expressive lengthening changes; cutting to 2 rather than 1 keeps real doubled letters such as اللغة;
/// - case-folds any Latin (or other cased) letters, so French words inside Darija match regardless of case.
public struct ArabicNormalizer: Normalizer {
    /// Whether letters repeated 3+ times are cut to 2 (default true).
    public let collapseRepeats: Bool
    /// Creates the Arabic L1 normalizer.
    public init(collapseRepeats: Bool = true) { self.collapseRepeats = collapseRepeats }
    /// `ar-l1/1`, or `ar-l1/1-norep` when repeats are kept.
    public var version: String { collapseRepeats ? ArabicNormalizer.version : ArabicNormalizer.version + "-norep" }
    /// The Arabic L1 version string.
    public static let version = "ar-l1/1"

    /// Applies L0, then the Arabic L1 steps.
    public func normalize(_ text: String) -> String {
        let l0 = CanonicalNormalizer().normalize(text)
        var out = ScalarBuffer(capacity: l0.utf8.count)
        var last: Unicode.Scalar = " "
        var run = 0
        for s in l0.unicodeScalars {
            guard let m = ArabicNormalizer.map(s) else { continue }
            if collapseRepeats, m == last, ArabicNormalizer.isLetterForRepeats(m) {
                run += 1
                if run >= 3 { continue }
            } else {
                run = 1
                last = m
            }
            if (0x600...0x6FF).contains(m.value) { out.append(m) } else { CaseFolding.fold(m, into: &out) }
        }
        return out.string
    }

    /// Letters whose runs of 3+ are cut: Arabic letters (fast path) and any other alphabetic scalar.
    @inline(__always)
    static func isLetterForRepeats(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (0x621...0x64A).contains(v) || (0x671...0x6D3).contains(v) { return true }
        if v < 0x80 { return (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        return s.properties.isAlphabetic
    }

    /// The L1 image of one scalar, or nil when it is removed.
    @inline(__always)
    static func map(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        let v = s.value
        if v < 0x80 { return s }
        switch v {
        case 0x064B...0x065F, 0x0670, 0x0610...0x061A, 0x06D6...0x06ED, 0x0640: return nil
        case 0x0623, 0x0625, 0x0622, 0x0671: return "\u{0627}"
        case 0x0649, 0x0626, 0x06CC: return "\u{064A}"
        case 0x0629: return "\u{0647}"
        case 0x0624: return "\u{0648}"
        case 0x06A9: return "\u{0643}"
        case 0x0763, 0x06AF: return "\u{06AD}"
        case 0x0660...0x0669: return Unicode.Scalar(v - 0x0660 + 0x30)
        case 0x06F0...0x06F9: return Unicode.Scalar(v - 0x06F0 + 0x30)
        case 0x066B: return "."
        case 0x066C, 0x060C: return ","
        case 0x061B: return ";"
        case 0x061F: return "?"
        case 0x00AB, 0x00BB: return "\""
        default: return s
        }
    }
}
