import Foundation

/// Case folding and accent stripping on Unicode scalars, shared by the L1 normalizers.
public enum CaseFolding {
    /// Appends the case-folded form of `s` to `out`: Unicode full lowercase mapping plus the
    /// case-folding specials that lowercasing misses (ß ẞ → ss, final ς → σ, long ſ → s, Greek symbol variants).
    @inline(__always)
    public static func fold(_ s: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        let v = s.value
        if v < 0x80 {
            out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : s)
            return
        }
        guard s.properties.changesWhenCaseFolded else { out.append(s); return }
        switch v {
        case 0x00DF, 0x1E9E: out.append("s"); out.append("s")
        case 0x03C2: out.append("\u{03C3}")
        case 0x017F: out.append("s")
        case 0x03D0: out.append("\u{03B2}")
        case 0x03D1: out.append("\u{03B8}")
        case 0x03D5: out.append("\u{03C6}")
        case 0x03D6: out.append("\u{03C0}")
        case 0x03F0: out.append("\u{03BA}")
        case 0x03F1: out.append("\u{03C1}")
        case 0x03F5: out.append("\u{03B5}")
        default: out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        }
    }

    /// Case-folds a whole string (see `fold(_:into:)`).
    public static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars { fold(s, into: &out) }
        return String(out)
    }

    /// Base letters of the precomposed Latin letters (U+00C0–U+024F, U+1E00–U+1EFF) with their marks removed.
    static let strippedLatin: [UInt32: [Unicode.Scalar]] = {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        for v in Array(UInt32(0xC0)...0x24F) + Array(UInt32(0x1E00)...0x1EFF) {
            guard let s = Unicode.Scalar(v) else { continue }
            let decomposed = String(Character(s)).decomposedStringWithCanonicalMapping.unicodeScalars
            let base = decomposed.filter { $0.properties.generalCategory != .nonspacingMark }
            if base.count != decomposed.count { table[v] = Array(base) }
        }
        return table
    }()

    /// Appends `s` without its accents: precomposed Latin letters lose their marks, combining marks are dropped.
    @inline(__always)
    public static func stripAccents(_ s: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        let v = s.value
        if v < 0xC0 { out.append(s); return }
        if let base = strippedLatin[v] { out.append(contentsOf: base); return }
        if s.properties.generalCategory == .nonspacingMark { return }
        out.append(s)
    }
}
