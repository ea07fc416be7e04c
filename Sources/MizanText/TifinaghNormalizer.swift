/// L1 for Tamazight in Tifinagh (`tfng-l1/1`), applied after L0:
/// - the labialization mark ⵯ U+2D6F belongs to the letter before it: a space (or, already removed
///   by L0, a ZWJ) between a Tifinagh letter and ⵯ is dropped, so ⴳ ⵯ and ⴳ‍ⵯ both become ⴳⵯ.
///   ⵯ is never turned into ⵡ U+2D61 (that is what whole-string NFKC would do);
/// - ⵰ U+2D70 is punctuation (the tokenizer splits on it; it is kept in the text);
/// - case folding of any Latin letters mixed in.
public struct TifinaghNormalizer: Normalizer {
    /// Creates the Tifinagh L1 normalizer.
    public init() {}
    /// `tfng-l1/1`.
    public var version: String { TifinaghNormalizer.version }
    /// The Tifinagh L1 version string.
    public static let version = "tfng-l1/1"

    /// Applies L0, then the Tifinagh L1 steps.
    public func normalize(_ text: String) -> String {
        let l0 = CanonicalNormalizer().normalize(text)
        var out = ScalarBuffer(capacity: l0.utf8.count)
        for s in l0.unicodeScalars {
            if s.value == 0x2D6F, out.endsWithSpace, let before = out.scalar(endingBefore: 1), Scripts.isTifinaghLetter(before) {
                out.dropTrailingSpace()
            }
            if s.value < 0x2D30 || s.value > 0x2D7F { CaseFolding.fold(s, into: &out) } else { out.append(s) }
        }
        return out.string
    }
}
