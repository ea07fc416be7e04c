import Foundation

/// Invisible and bidirectional control characters found in a text (counted before L0 deletes them).
public struct ControlCount: Sendable, Hashable, Codable {
    /// Bidi controls: U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C.
    public var bidi: Int
    /// Other invisible characters: U+200B–U+200D, U+FEFF, U+00AD.
    public var invisible: Int
    /// All controls L0 deletes.
    public var total: Int { bidi + invisible }

    /// Creates a count.
    public init(bidi: Int = 0, invisible: Int = 0) {
        self.bidi = bidi
        self.invisible = invisible
    }
}

/// L0, the canonical normalizer applied to every language (`l0/1`, specified in docs/normalization.md):
/// 1. delete invisible controls U+200B–U+200F, U+202A–U+202E, U+2066–U+2069, U+061C, U+FEFF, U+00AD;
/// 2. Arabic presentation forms U+FB50–U+FDFF and U+FE70–U+FEFF become their NFKC form (ﻻ → لا),
///    one code point at a time — NFKC is never applied to the whole string (it would turn ⵯ into ⵡ);
/// 3. U+00A0, U+202F and every other whitespace scalar become a space; runs collapse to one; ends are trimmed;
/// 4. the result is put in NFC (deleting controls first lets marks they separated compose).
public struct CanonicalNormalizer: Normalizer {
    /// Creates the L0 normalizer.
    public init() {}
    /// `l0/1`.
    public var version: String { CanonicalNormalizer.version }
    /// The L0 version string.
    public static let version = "l0/1"

    /// Applies L0.
    public func normalize(_ text: String) -> String {
        var out = ScalarBuffer(capacity: text.utf8.count)
        var pendingSpace = false
        func emit(_ s: Unicode.Scalar) {
            if CanonicalNormalizer.isWhitespace(s) {
                pendingSpace = !out.isEmpty
                return
            }
            if pendingSpace { out.append(UInt8(0x20)); pendingSpace = false }
            out.append(s)
        }
        for s in text.unicodeScalars {
            if CanonicalNormalizer.controlKind(s) != nil { continue }
            if CanonicalNormalizer.isPresentationForm(s) {
                for t in CanonicalNormalizer.foldPresentationForm(s) { emit(t) }
            } else {
                emit(s)
            }
        }
        return CanonicalNormalizer.nfc(out.string)
    }

    /// Counts the invisible and bidi controls in `text` (what L0 deletes).
    public static func countControls(_ text: String) -> ControlCount {
        var count = ControlCount()
        for s in text.unicodeScalars {
            switch controlKind(s) {
            case .bidi?: count.bidi += 1
            case .invisible?: count.invisible += 1
            case nil: break
            }
        }
        return count
    }

    enum ControlKind { case bidi, invisible }

    /// Which kind of deletable control `s` is, if any.
    static func controlKind(_ s: Unicode.Scalar) -> ControlKind? {
        switch s.value {
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: return .bidi
        case 0x200B...0x200D, 0xFEFF, 0x00AD: return .invisible
        default: return nil
        }
    }

    /// True for every Unicode whitespace scalar (including U+00A0, U+202F, tabs and line breaks).
    /// (The Unicode White_Space property, spelled out: it is stable and a table lookup is slow.)
    @inline(__always)
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        if v < 0x1680 { return v == 0x85 || v == 0xA0 }
        switch v {
        case 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// True for the Arabic presentation-form blocks L0 folds.
    @inline(__always)
    static func isPresentationForm(_ s: Unicode.Scalar) -> Bool {
        (0xFB50...0xFDFF).contains(s.value) || (0xFE70...0xFEFF).contains(s.value)
    }

    /// NFKC of one presentation-form code point.
    static func foldPresentationForm(_ s: Unicode.Scalar) -> String.UnicodeScalarView {
        String(Character(s)).precomposedStringWithCompatibilityMapping.unicodeScalars
    }

    /// True for scalars that NFC leaves alone and that never compose with the scalar before them
    /// (checked against Python's unicodedata for every code point in these ranges).
    @inline(__always)
    static func isNFCStable(_ v: UInt32) -> Bool {
        switch v {
        case 0..<0x300, 0x600...0x652, 0x656...0x6FF, 0x750...0x77F, 0x2D30...0x2D7F, 0x2010...0x206F,
             0x1E00...0x1EFF, 0x400...0x4FF, 0x375...0x37D, 0x37F...0x386, 0x388...0x3FF, 0x370...0x373,
             0x2C60...0x2C7F, 0xA720...0xA7FF, 0x20A0...0x20CF, 0x2190...0x22FF:
            return true
        default:
            return false
        }
    }

    /// NFC, skipping Foundation when every scalar is known to be NFC-stable in its position.
    static func nfc(_ text: String) -> String {
        var lastClass: UInt8 = 0
        for s in text.unicodeScalars {
            let v = s.value
            guard isNFCStable(v) else { return text.precomposedStringWithCanonicalMapping }
            let mayCombine = (0x610...0x61A).contains(v) || (0x64B...0x65F).contains(v) || v == 0x670
                || (0x6D6...0x6ED).contains(v) || v == 0x2D7F || (0x483...0x489).contains(v)
            guard mayCombine else { lastClass = 0; continue }
            let ccc = s.properties.canonicalCombiningClass.rawValue
            if ccc != 0 && ccc < lastClass { return text.precomposedStringWithCanonicalMapping }
            lastClass = ccc
        }
        return text
    }
}
