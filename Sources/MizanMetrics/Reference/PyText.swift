// Python `str` semantics over Unicode scalars, as sacrebleu relies on them.
// sacrebleu counts Python characters, i.e. code points: everything here works on
// `[UInt32]` scalar values, never on Swift `Character`s (which merge combining marks).

/// Python text primitives (`str.isspace`, `str.split()`, `str.rstrip()`, `str.lower()`) over scalar values.
public enum PyText {
    /// True for exactly the code points Python's `str.isspace()` accepts (Python 3.11, Unicode 14):
    /// U+0009–U+000D, U+001C–U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028, U+2029, U+202F, U+205F, U+3000. (Not U+200B and not U+FEFF.)
    @inline(__always)
    public static func isSpace(_ v: UInt32) -> Bool {
        if v < 0x80 {
            return v == 0x20 || (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x1F)
        }
        if v < 0x1680 { return v == 0x85 || v == 0xA0 }
        switch v {
        case 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The scalar values of `s`.
    public static func scalars(_ s: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars { out.append(u.value) }
        return out
    }

    /// Python's `s.rstrip()`: `s` without trailing whitespace.
    public static func rstripped(_ s: String) -> String {
        var scalars = s.unicodeScalars[...]
        while let last = scalars.last, isSpace(last.value) { scalars = scalars.dropLast() }
        return scalars.count == s.unicodeScalars.count ? s : String(String.UnicodeScalarView(scalars))
    }

    /// Length of `s` after Python's `rstrip()` (trailing whitespace removed).
    @inline(__always)
    static func rstripLength(_ s: borrowing ScalarBuffer) -> Int {
        var n = s.count
        while n > 0 && isSpace(s[n - 1]) { n -= 1 }
        return n
    }

    /// Token ranges of Python's `s.split()` over `s[0..<count]`: maximal runs of non-whitespace.
    @inline(__always)
    static func splitRanges(_ s: borrowing ScalarBuffer, count: Int, into out: inout [Range<Int>]) {
        var i = 0
        while i < count {
            while i < count && isSpace(s[i]) { i += 1 }
            if i >= count { break }
            let start = i
            while i < count && !isSpace(s[i]) { i += 1 }
            out.append(start..<i)
        }
    }

    /// Python's `str.lower()`: full lowercase mapping per code point plus the Final_Sigma rule for U+03A3.
    /// Code points assigned after the Python build's Unicode version may differ (documented).
    public static func lower(_ s: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        for i in 0..<s.count {
            let v = s[i]
            if v < 0x80 {
                out.append(v >= 0x41 && v <= 0x5A ? v + 32 : v)
                continue
            }
            if v == 0x3A3 {
                out.append(finalSigma(count: s.count, at: i) { s[$0] } ? 0x3C2 : 0x3C3)
                continue
            }
            guard let u = Unicode.Scalar(v), u.properties.changesWhenLowercased else {
                out.append(v)
                continue
            }
            for m in u.properties.lowercaseMapping.unicodeScalars { out.append(m.value) }
        }
        return out
    }

    /// CPython's `handle_capital_sigma`: \p{cased}\p{case-ignorable}* Σ !(\p{case-ignorable}* \p{cased}).
    static func finalSigma(count: Int, at i: Int, _ s: (Int) -> UInt32) -> Bool {
        var j = i - 1
        var c: UInt32 = 0
        while j >= 0 {
            c = s(j)
            if !isCaseIgnorable(c) { break }
            j -= 1
        }
        var final = j >= 0 && isCased(c)
        if final && i + 1 < count {
            j = i + 1
            while j < count {
                c = s(j)
                if !isCaseIgnorable(c) { break }
                j += 1
            }
            final = j == count || !isCased(c)
        }
        return final
    }

    /// CPython's Final_Sigma test over a scalar buffer.
    static func finalSigma(_ s: borrowing ScalarBuffer, at i: Int) -> Bool {
        let base = s.base
        return finalSigma(count: s.count, at: i) { base[$0] }
    }

    private static func isCased(_ v: UInt32) -> Bool { Unicode.Scalar(v)?.properties.isCased ?? false }
    private static func isCaseIgnorable(_ v: UInt32) -> Bool { Unicode.Scalar(v)?.properties.isCaseIgnorable ?? false }
}
