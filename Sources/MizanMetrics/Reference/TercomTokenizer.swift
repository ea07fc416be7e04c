// sacrebleu 2.6.0 tokenizers/tokenizer_ter.py (TercomTokenizer) over scalar values: optional
// lowercasing, then with `normalized` the general and Western passes (XML entities, punctuation
// split, possessives, period/comma and dash rules) and, with `asian_support`, CJK characters split
// one per token; with `no_punct` punctuation removed (and CJK punctuation with `asian_support`).
// Each `re.sub` is replayed as the same left-to-right, non-overlapping scan.

/// TER tokenizer settings (sacrebleu `TercomTokenizer` arguments).
struct TercomOptions: Sendable, Hashable {
    var lowercase: Bool
    var normalized: Bool
    var noPunct: Bool
    var asianSupport: Bool

    init(_ o: ReferenceOptions, lowercase: Bool) {
        self.lowercase = lowercase
        normalized = o.normalized
        noPunct = o.noPunct
        asianSupport = o.asianSupport
    }

    /// Whether any pass beyond lowercasing and whitespace splitting runs.
    var rewrites: Bool { normalized || noPunct }
}

/// The Tercom text passes (after lowercasing).
enum TercomText {
    private static func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
    private static let space: UInt32 = 0x20

    /// Applies the `normalized` / `no_punct` passes of `options` to `s`.
    static func rewrite(_ s: [UInt32], _ options: TercomOptions) -> [UInt32] {
        var s = s
        if options.normalized {
            s = western(s)
            if options.asianSupport { s = pad(s, where: isAsianSplit) }
        }
        if options.noPunct {
            s.removeAll(where: isPunct)
            if options.asianSupport { s.removeAll(where: { isAsianPunct($0) || isFullWidthPunct($0) }) }
        }
        return s
    }

    /// `_normalize_general_and_western`.
    static func western(_ input: [UInt32]) -> [UInt32] {
        var s = BLEUTokenizer.replace(input, scalars("\n-"), [])
        s = BLEUTokenizer.replace(s, scalars("\n"), [space])
        s = BLEUTokenizer.replace(s, scalars("&quot;"), scalars("\""))
        s = BLEUTokenizer.replace(s, scalars("&amp;"), scalars("&"))
        s = BLEUTokenizer.replace(s, scalars("&lt;"), scalars("<"))
        s = BLEUTokenizer.replace(s, scalars("&gt;"), scalars(">"))
        s = [space] + s + [space]
        s = pad(s, where: BLEUTokenizer.is13aPunct)  // the same class as 13a's
        s = BLEUTokenizer.replace(s, scalars("'s "), scalars(" 's "))
        if s.count >= 2 && s[s.count - 2] == 0x27 && s[s.count - 1] == 0x73 {  // 's$
            s.removeLast(2)
            s += scalars(" 's")
        }
        // ([^0-9])([\.,]) → "\1 \2 "
        s = pairs(s, { !isDigit($0) && isDotComma($1) }, { [$0, space, $1, space] })
        // ([\.,])([^0-9]) → " \1 \2"
        s = pairs(s, { isDotComma($0) && !isDigit($1) }, { [space, $0, space, $1] })
        // ([0-9])(-) → "\1 \2 "
        s = pairs(s, { isDigit($0) && $1 == 0x2D }, { [$0, space, $1, space] })
        return s
    }

    /// `re.sub("(X)", " \1 ", s)` for a one-character class X.
    static func pad(_ s: [UInt32], where test: (UInt32) -> Bool) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + 8)
        for c in s {
            if test(c) {
                out.append(space); out.append(c); out.append(space)
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// `re.sub("(A)(B)", …)` for one-character classes: a left-to-right, non-overlapping scan of pairs.
    static func pairs(_ s: [UInt32], _ match: (UInt32, UInt32) -> Bool, _ replace: (UInt32, UInt32) -> [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + 8)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && match(s[i], s[i + 1]) {
                out += replace(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    @inline(__always) static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
    @inline(__always) static func isDotComma(_ v: UInt32) -> Bool { v == 0x2E || v == 0x2C }

    /// `_remove_punct`: `[\.,\?:;!\"\(\)]`.
    static func isPunct(_ v: UInt32) -> Bool {
        switch v {
        case 0x2E, 0x2C, 0x3F, 0x3A, 0x3B, 0x21, 0x22, 0x28, 0x29: return true
        default: return false
        }
    }

    /// `TercomTokenizer.ASIAN_PUNCT`.
    static func isAsianPunct(_ v: UInt32) -> Bool {
        v == 0x3001 || v == 0x3002 || (0x3008...0x3011).contains(v) || (0x3014...0x301F).contains(v)
            || (0xFF61...0xFF65).contains(v) || v == 0x30FB
    }

    /// `TercomTokenizer.FULL_WIDTH_PUNCT`.
    static func isFullWidthPunct(_ v: UInt32) -> Bool {
        switch v {
        case 0xFF0E, 0xFF0C, 0xFF1F, 0xFF1A, 0xFF1B, 0xFF01, 0xFF02, 0xFF08, 0xFF09: return true
        default: return false
        }
    }

    /// The characters `_normalize_asian` puts spaces around. (Its Hiragana/Katakana rules are anchored at the
    /// start of a string that the Western pass always starts with a space, so they never match.)
    static func isAsianSplit(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x31C0...0x31EF).contains(v)
            || (0x2E80...0x2EFF).contains(v) || (0x3300...0x33FF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0xFE30...0xFE4F).contains(v) || (0x3200...0x3F22).contains(v) || isAsianPunct(v) || isFullWidthPunct(v)
    }
}

extension TercomText {
    /// sacrebleu `TercomTokenizer(...)(text)`: the tokens joined by single spaces (tests compare it with sacrebleu's).
    static func tokens(_ text: String, _ options: TercomOptions) -> String {
        var s = PyText.scalars(text)
        if options.lowercase { s = PyText.lower(s) }
        if options.rewrites { s = rewrite(s, options) }
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for v in s {
            if PyText.isSpace(v) {
                if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
            } else if let u = Unicode.Scalar(v) {
                current.append(u)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words.joined(separator: " ")
    }
}
