// sacrebleu 2.6.0's BLEU tokenizers (`13a`, `intl`, `char`, `none`), reproduced over scalar values.
// Each regex pass of sacrebleu is a fixed-width `re.sub`, replayed here as the same left-to-right,
// non-overlapping scan; the result is split exactly like Python's `str.split()`.

/// A BLEU tokenizer with sacrebleu's name and behaviour.
public enum BLEUTokenizer: String, Sendable, CaseIterable, Codable {
    /// mteval-v13a (sacrebleu's default; does not split Arabic punctuation ، ؛ ؟).
    case thirteenA = "13a"
    /// mteval-v14 international: splits Unicode punctuation (P) and symbols (S). Use for Arabic script.
    case intl
    /// Every non-whitespace code point is a token.
    case char
    /// Whitespace split only.
    case none

    /// The name in signatures (`tok:13a`).
    public var signatureName: String { rawValue }
}

/// Scratch buffers for tokenizing; one per worker thread.
struct TokenizerScratch {
    var a: [UInt32] = []
    var b: [UInt32] = []

    init() {
        a.reserveCapacity(1024)
        b.reserveCapacity(1024)
    }
}

extension BLEUTokenizer {
    /// Tokenizes `s[0..<count]` (already lowercased and right-stripped by the caller) into `out`,
    /// a scalar buffer whose whitespace-separated runs are the tokens.
    func apply(_ s: [UInt32], count: Int, scratch: inout TokenizerScratch) -> [UInt32] {
        switch self {
        case .none:
            return Array(s[0..<count])
        case .char:
            return Array(s[0..<count])  // " ".join(chars) then split() == non-space code points
        case .intl:
            return intl(s, count: count, scratch: &scratch)
        case .thirteenA:
            return thirteenA(s, count: count, scratch: &scratch)
        }
    }

    /// Whether tokens are single code points (the `char` tokenizer).
    var splitsEveryScalar: Bool { self == .char }

    private func intl(_ s: [UInt32], count: Int, scratch: inout TokenizerScratch) -> [UInt32] {
        // (\P{N})(\p{P}) -> "\1 \2 "
        var a = scratch.a
        a.removeAll(keepingCapacity: true)
        var i = 0
        while i < count {
            if i + 1 < count && !UnicodeClass.isNumber(s[i]) && UnicodeClass.isPunctuation(s[i + 1]) {
                a.append(s[i]); a.append(0x20); a.append(s[i + 1]); a.append(0x20)
                i += 2
            } else {
                a.append(s[i]); i += 1
            }
        }
        // (\p{P})(\P{N}) -> " \1 \2"
        var b = scratch.b
        b.removeAll(keepingCapacity: true)
        i = 0
        let n = a.count
        while i < n {
            if i + 1 < n && UnicodeClass.isPunctuation(a[i]) && !UnicodeClass.isNumber(a[i + 1]) {
                b.append(0x20); b.append(a[i]); b.append(0x20); b.append(a[i + 1])
                i += 2
            } else {
                b.append(a[i]); i += 1
            }
        }
        // (\p{S}) -> " \1 "
        var out: [UInt32] = []
        out.reserveCapacity(b.count + 16)
        for v in b {
            if UnicodeClass.isSymbol(v) {
                out.append(0x20); out.append(v); out.append(0x20)
            } else {
                out.append(v)
            }
        }
        scratch.a = a
        scratch.b = b
        return out
    }

    private func thirteenA(_ s: [UInt32], count: Int, scratch: inout TokenizerScratch) -> [UInt32] {
        var line = Array(s[0..<count])
        if line.contains(0x3C) { line = Self.replace(line, Self.skipped, []) }          // '<skipped>' -> ''
        if line.contains(0x0A) {
            line = Self.replace(line, [0x2D, 0x0A], [])                                  // '-\n' -> ''
            line = Self.replace(line, [0x0A], [0x20])                                    // '\n' -> ' '
        }
        if line.contains(0x26) {                                                         // '&'
            line = Self.replace(line, Self.scalarsOf("&quot;"), [0x22])
            line = Self.replace(line, Self.scalarsOf("&amp;"), [0x26])
            line = Self.replace(line, Self.scalarsOf("&lt;"), [0x3C])
            line = Self.replace(line, Self.scalarsOf("&gt;"), [0x3E])
        }
        // f' {line} ' then ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
        var a = scratch.a
        a.removeAll(keepingCapacity: true)
        a.append(0x20)
        for v in line {
            if Self.is13aPunct(v) {
                a.append(0x20); a.append(v); a.append(0x20)
            } else {
                a.append(v)
            }
        }
        a.append(0x20)
        // ([^0-9])([\.,]) -> "\1 \2 "
        var b = scratch.b
        b.removeAll(keepingCapacity: true)
        var i = 0
        var n = a.count
        while i < n {
            if i + 1 < n && !Self.isDigit(a[i]) && Self.isDotComma(a[i + 1]) {
                b.append(a[i]); b.append(0x20); b.append(a[i + 1]); b.append(0x20)
                i += 2
            } else {
                b.append(a[i]); i += 1
            }
        }
        // ([\.,])([^0-9]) -> " \1 \2"
        a.removeAll(keepingCapacity: true)
        i = 0
        n = b.count
        while i < n {
            if i + 1 < n && Self.isDotComma(b[i]) && !Self.isDigit(b[i + 1]) {
                a.append(0x20); a.append(b[i]); a.append(0x20); a.append(b[i + 1])
                i += 2
            } else {
                a.append(b[i]); i += 1
            }
        }
        // ([0-9])(-) -> "\1 \2 "
        var out: [UInt32] = []
        out.reserveCapacity(a.count + 8)
        i = 0
        n = a.count
        while i < n {
            if i + 1 < n && Self.isDigit(a[i]) && a[i + 1] == 0x2D {
                out.append(a[i]); out.append(0x20); out.append(0x2D); out.append(0x20)
                i += 2
            } else {
                out.append(a[i]); i += 1
            }
        }
        scratch.a = a
        scratch.b = b
        return out
    }

    private static let skipped = scalarsOf("<skipped>")

    private static func scalarsOf(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    @inline(__always) private static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
    @inline(__always) private static func isDotComma(_ v: UInt32) -> Bool { v == 0x2E || v == 0x2C }

    /// The 13a punctuation class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
    @inline(__always) private static func is13aPunct(_ v: UInt32) -> Bool {
        (v >= 0x7B && v <= 0x7E) || (v >= 0x5B && v <= 0x60) || (v >= 0x20 && v <= 0x26)
            || (v >= 0x28 && v <= 0x2B) || (v >= 0x3A && v <= 0x40) || v == 0x2F
    }

    /// Python's `str.replace(old, new)`: non-overlapping, left to right.
    static func replace(_ s: [UInt32], _ old: [UInt32], _ new: [UInt32]) -> [UInt32] {
        guard !old.isEmpty, s.count >= old.count else { return s }
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        let m = old.count
        while i < s.count {
            if i + m <= s.count && s[i] == old[0] && s[i..<(i + m)].elementsEqual(old) {
                out.append(contentsOf: new)
                i += m
            } else {
                out.append(s[i]); i += 1
            }
        }
        return out
    }
}

/// Unicode general-category classes as the `regex` module sees them (checked equal for every code point).
enum UnicodeClass {
    /// `\p{N}`: Nd, Nl, No.
    @inline(__always) static func isNumber(_ v: UInt32) -> Bool {
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        guard let u = Unicode.Scalar(v) else { return false }
        switch u.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\p{P}`: Pc, Pd, Ps, Pe, Pi, Pf, Po.
    @inline(__always) static func isPunctuation(_ v: UInt32) -> Bool {
        if v < 0x80 { return asciiPunct(v) }
        guard let u = Unicode.Scalar(v) else { return false }
        switch u.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// `\p{S}`: Sm, Sc, Sk, So.
    @inline(__always) static func isSymbol(_ v: UInt32) -> Bool {
        if v < 0x80 { return v == 0x24 || v == 0x2B || v == 0x3C || v == 0x3D || v == 0x3E || v == 0x5E || v == 0x60 || v == 0x7C || v == 0x7E }
        guard let u = Unicode.Scalar(v) else { return false }
        switch u.properties.generalCategory {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }

    /// ASCII characters in category P: !"#%&'()*,-./:;?@[\]_{}
    @inline(__always) private static func asciiPunct(_ v: UInt32) -> Bool {
        switch v {
        case 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2C, 0x2D, 0x2E, 0x2F,
             0x3A, 0x3B, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x5F, 0x7B, 0x7D: return true
        default: return false
        }
    }
}
