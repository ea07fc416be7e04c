import Foundation

/// Case folding and accent stripping on Unicode scalars, shared by the L1 normalizers.
public enum CaseFolding {
    /// Appends the case-folded form of `s` to `out`: Unicode full lowercase mapping plus the
    /// case-folding specials that lowercasing misses (ß ẞ → ss, final ς → σ, long ſ → s, Greek symbol variants).
    @inline(__always)
    static func fold(_ s: Unicode.Scalar, into out: inout ScalarBuffer) {
        let v = s.value
        if v < 0x80 {
            out.append(UInt8(v >= 0x41 && v <= 0x5A ? v + 0x20 : v))
            return
        }
        guard s.properties.changesWhenCaseFolded else { out.append(s); return }
        switch v {
        case 0x00DF, 0x1E9E: out.append(contentsOf: "ss")
        case 0x03C2: out.append("\u{03C3}")
        case 0x017F: out.append("s")
        case 0x03D0: out.append("\u{03B2}")
        case 0x03D1: out.append("\u{03B8}")
        case 0x03D5: out.append("\u{03C6}")
        case 0x03D6: out.append("\u{03C0}")
        case 0x03F0: out.append("\u{03BA}")
        case 0x03F1: out.append("\u{03C1}")
        case 0x03F5: out.append("\u{03B5}")
        default: out.append(contentsOf: s.properties.lowercaseMapping)
        }
    }

    /// Case-folds a whole string (see `fold(_:into:)`).
    public static func fold(_ text: String) -> String {
        var out = ScalarBuffer(capacity: text.utf8.count)
        for s in text.unicodeScalars { fold(s, into: &out) }
        return out.string
    }

    /// Removes accents from a whole string (see `stripAccents(_:into:)`).
    public static func stripAccents(_ text: String) -> String {
        var out = ScalarBuffer(capacity: text.utf8.count)
        for s in text.unicodeScalars { stripAccents(s, into: &out) }
        return out.string
    }

    /// Base letters of the precomposed Latin letters with their marks removed (0 = unchanged), indexed
    /// from U+00C0 (through U+024F) and from U+1E00 (through U+1EFF).
    static let strippedLatin1: [UInt32] = strippedTable(0xC0...0x24F)
    static let strippedLatinAdditional: [UInt32] = strippedTable(0x1E00...0x1EFF)

    static func strippedTable(_ range: ClosedRange<UInt32>) -> [UInt32] {
        range.map { v in
            guard let s = Unicode.Scalar(v) else { return 0 }
            let decomposed = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
            let base = decomposed.filter { $0.properties.generalCategory != .nonspacingMark }
            return base.count == 1 && base.count != decomposed.count ? base.first!.value : 0
        }
    }

    /// Appends `s` without its accents: precomposed Latin letters lose their marks, combining marks are dropped.
    @inline(__always)
    static func stripAccents(_ s: Unicode.Scalar, into out: inout ScalarBuffer) {
        let v = s.value
        if v < 0xC0 { out.append(s); return }
        let base: UInt32
        switch v {
        case 0xC0...0x24F: base = strippedLatin1[Int(v - 0xC0)]
        case 0x1E00...0x1EFF: base = strippedLatinAdditional[Int(v - 0x1E00)]
        default: base = 0
        }
        if base != 0, let b = Unicode.Scalar(base) { out.append(b); return }
        if s.properties.generalCategory == .nonspacingMark { return }
        out.append(s)
    }
}
