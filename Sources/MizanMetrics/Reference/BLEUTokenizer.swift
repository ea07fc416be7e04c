// sacrebleu 2.6.0's BLEU tokenizers (`13a`, `intl`, `char`, `none`), reproduced over scalar values, and its
// SentencePiece tokenizers (`flores101`, `flores200`, and `spm` for any model), run by the SentencePiece library.
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
    /// sacrebleu's `zh`: spaces around each character in its "Chinese" ranges, then 13a's regex passes.
    case zh
    /// Whitespace split only.
    case none
    /// SentencePiece pieces from a model file the user names (spBLEU with any model).
    case spm
    /// SentencePiece with the FLORES-101 model (sacrebleu's `flores101`; the user provides the file).
    case flores101
    /// SentencePiece with the FLORES-200 model (sacrebleu's `flores200`, the spBLEU of FLORES-200 papers).
    case flores200

    /// The name in signatures (`tok:13a`, `tok:flores200`, as sacrebleu prints them).
    public var signatureName: String { rawValue }

    /// Whether the tokenizer needs a SentencePiece model file.
    public var usesSentencePiece: Bool { self == .spm || self == .flores101 || self == .flores200 }

    /// The names accepted on the command line and in suites, for messages.
    public static let namesForMessages = "13a, intl, char, zh, none, spm, flores101, flores200"

    /// What to give when a SentencePiece tokenizer has no model; `how` names the flag or option.
    public func missingModelMessage(how: String) -> String {
        let file: String
        switch self {
        case .flores200: file = "the FLORES-200 model, sacrebleu's ~/.sacrebleu/models/flores200sacrebleuspm"
        case .flores101: file = "the FLORES-101 model, sacrebleu's ~/.sacrebleu/models/sacrebleu_tokenizer_spm.model"
        default: file = "a SentencePiece .model file"
        }
        return "tokenizer '\(rawValue)' needs a SentencePiece model file (\(file)); mizan never downloads one: \(how)"
    }
}

/// Scratch buffers and caches for tokenizing; one per worker thread.
struct TokenizerScratch: ~Copyable {
    var t1 = ScalarBuffer()
    var t2 = ScalarBuffer()
    var cache = TextCache()
}

extension BLEUTokenizer {
    /// Tokenizes `s[0..<count]` (already lowercased; `count` excludes trailing whitespace) into `out`,
    /// a scalar buffer whose whitespace-separated runs are the tokens.
    func apply(_ s: borrowing ScalarBuffer, count: Int, into out: inout ScalarBuffer, scratch: inout TokenizerScratch) {
        out.removeAll()
        switch self {
        case .spm, .flores101, .flores200:
            preconditionFailure("SentencePiece tokenizers run in BLEUWorker, which holds the model")
        case .none, .char:
            // `char`: " ".join(chars) then split() == the non-whitespace code points, one per token
            out.reserve(count)
            for i in 0..<count { out.appendUnchecked(s[i]) }
        case .intl:
            Self.intl(s, count: count, into: &out, a: &scratch.t1, b: &scratch.t2, cache: &scratch.cache)
        case .zh:
            // line.strip() (the trailing part is already gone), then " c " around each Chinese character
            var start = 0
            while start < count && PyText.isSpace(s[start]) { start += 1 }
            scratch.t2.removeAll()
            scratch.t2.reserve(3 * (count - start))
            for i in start..<count {
                let v = s[i]
                if Self.isSacrebleuChinese(v) {
                    scratch.t2.appendUnchecked(0x20); scratch.t2.appendUnchecked(v); scratch.t2.appendUnchecked(0x20)
                } else {
                    scratch.t2.appendUnchecked(v)
                }
            }
            Self.thirteenA(scratch.t2, count: scratch.t2.count, into: &out, t1: &scratch.t1, pad: false)
        case .thirteenA:
            var needsReplace = false
            for i in 0..<count {
                let v = s[i]
                if v == 0x3C || v == 0x0A || v == 0x26 { needsReplace = true; break }
            }
            if needsReplace {
                let replaced = Self.thirteenAReplacements((0..<count).map { s[$0] })
                scratch.t2.removeAll()
                scratch.t2.reserve(replaced.count)
                for v in replaced { scratch.t2.appendUnchecked(v) }
                Self.thirteenA(scratch.t2, count: replaced.count, into: &out, t1: &scratch.t1)
            } else {
                Self.thirteenA(s, count: count, into: &out, t1: &scratch.t1)
            }
        }
    }

    /// The tokens of one segment as sacrebleu's BLEU tokenizer gives them (`tokenizer(line.rstrip()).split()`); for
    /// the tokenizers that need no model (a SentencePiece tokenizer gives nil: its pieces come from the model).
    public func tokens(_ text: String) -> [String]? {
        if usesSentencePiece { return nil }
        var raw = ScalarBuffer(), out = ScalarBuffer()
        var scratch = TokenizerScratch()
        raw.load(text)
        apply(raw, count: PyText.rstripLength(raw), into: &out, scratch: &scratch)
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for i in 0..<out.count {
            if PyText.isSpace(out[i]) {
                if !current.isEmpty { tokens.append(String(current)) }
                current = String.UnicodeScalarView()
            } else if splitsEveryScalar {
                tokens.append(String(Unicode.Scalar(out[i]).map(Character.init) ?? "\u{FFFD}"))
            } else {
                current.append(Unicode.Scalar(out[i]) ?? "\u{FFFD}")
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    /// Whether tokens are single code points (the `char` tokenizer).
    var splitsEveryScalar: Bool { self == .char }

    /// `(\P{N})(\p{P})` → `\1 \2 `, then `(\p{P})(\P{N})` → ` \1 \2`, then `(\p{S})` → ` \1 `.
    private static func intl(_ s: borrowing ScalarBuffer, count: Int, into out: inout ScalarBuffer,
                             a: inout ScalarBuffer, b: inout ScalarBuffer, cache: inout TextCache) {
        a.removeAll()
        a.reserve(2 * count)
        var src = s.base, dst = a.base
        var i = 0, k = 0
        while i < count {
            let v = src[i]
            if i + 1 < count && !cache.isNumber(v) && cache.isPunctuation(src[i + 1]) {
                dst[k] = v; dst[k + 1] = 0x20; dst[k + 2] = src[i + 1]; dst[k + 3] = 0x20
                k += 4; i += 2
            } else {
                dst[k] = v; k += 1; i += 1
            }
        }
        a.count = k
        b.removeAll()
        let n = a.count
        b.reserve(2 * n)
        src = a.base; dst = b.base
        i = 0; k = 0
        while i < n {
            let v = src[i]
            if i + 1 < n && cache.isPunctuation(v) && !cache.isNumber(src[i + 1]) {
                dst[k] = 0x20; dst[k + 1] = v; dst[k + 2] = 0x20; dst[k + 3] = src[i + 1]
                k += 4; i += 2
            } else {
                dst[k] = v; k += 1; i += 1
            }
        }
        b.count = k
        out.reserve(3 * b.count)
        src = b.base; dst = out.base
        k = 0
        for j in 0..<b.count {
            let v = src[j]
            if cache.isSymbol(v) {
                dst[k] = 0x20; dst[k + 1] = v; dst[k + 2] = 0x20; k += 3
            } else {
                dst[k] = v; k += 1
            }
        }
        out.count = k
    }

    /// The language-independent replacements of 13a (`<skipped>`, `-\n`, `\n`, `&quot;` …), rarely needed.
    private static func thirteenAReplacements(_ input: [UInt32]) -> [UInt32] {
        var line = input
        if line.contains(0x3C) { line = replace(line, skipped, []) }
        if line.contains(0x0A) {
            line = replace(line, [0x2D, 0x0A], [])
            line = replace(line, [0x0A], [0x20])
        }
        if line.contains(0x26) {
            line = replace(line, scalarsOf("&quot;"), [0x22])
            line = replace(line, scalarsOf("&amp;"), [0x26])
            line = replace(line, scalarsOf("&lt;"), [0x3C])
            line = replace(line, scalarsOf("&gt;"), [0x3E])
        }
        return line
    }

    /// sacrebleu's `_UCODE_RANGES` test for `zh`, including its quirk: the bounds written `u'\u20000'`,
    /// `u'\u2a6d6'`, `u'\u2f800'`, `u'\u2fa1d'` are two-character strings in Python (`\u` takes four hex digits),
    /// so those ranges compare as U+2001…U+2A6D and U+2F81…U+2FA1 (general punctuation such as ’ “ ” … and
    /// U+202F among them), and CJK Extension B itself is not in any range.
    static func isSacrebleuChinese(_ v: UInt32) -> Bool {
        switch v {
        case 0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9,
             0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF, 0x3000...0x303F, 0x31C0...0x31EF,
             0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F, 0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F,
             0x2600...0x26FF, 0x2700...0x27BF, 0x3200...0x32FF, 0x3300...0x33FF:
            return true
        default:
            return false
        }
    }

    /// 13a's regex passes (sacrebleu's `TokenizerRegexp`), each a left-to-right non-overlapping scan like `re.sub`,
    /// over `' ' + line + ' '` for 13a (`pad`) and over the line itself for `zh`.
    private static func thirteenA(_ line: borrowing ScalarBuffer, count: Int, into out: inout ScalarBuffer,
                                  t1: inout ScalarBuffer, pad: Bool = true) {
        // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
        t1.removeAll()
        t1.reserve(3 * count + 2)
        var src = line.base, dst = t1.base
        var k = 0
        if pad {
            dst[0] = 0x20
            k = 1
        }
        var hasDotComma = false, hasDash = false
        for i in 0..<count {
            let v = src[i]
            if is13aPunct(v) {
                dst[k] = 0x20; dst[k + 1] = v; dst[k + 2] = 0x20; k += 3
            } else {
                dst[k] = v; k += 1
                hasDotComma = hasDotComma || isDotComma(v)
                hasDash = hasDash || v == 0x2D
            }
        }
        if pad {
            dst[k] = 0x20
            k += 1
        }
        t1.count = k
        // Passes 2–3 only act on '.'/',' and pass 4 on '-' (no pass creates them): skip identity passes.
        if !hasDotComma {
            if hasDash {
                dashPass(t1, into: &out)
            } else {
                out.removeAll()
                out.reserve(t1.count)
                out.base.update(from: t1.base, count: t1.count)
                out.count = t1.count
            }
            return
        }
        // ([^0-9])([\.,]) -> "\1 \2 "   (`out` serves as the second scratch buffer until the last pass)
        var n = t1.count
        out.removeAll()
        out.reserve(2 * n)
        src = t1.base; dst = out.base
        var i = 0
        k = 0
        while i < n {
            let v = src[i]
            if i + 1 < n && !isDigit(v) && isDotComma(src[i + 1]) {
                dst[k] = v; dst[k + 1] = 0x20; dst[k + 2] = src[i + 1]; dst[k + 3] = 0x20
                k += 4; i += 2
            } else {
                dst[k] = v; k += 1; i += 1
            }
        }
        out.count = k
        // ([\.,])([^0-9]) -> " \1 \2"
        n = out.count
        t1.removeAll()
        t1.reserve(2 * n)
        src = out.base; dst = t1.base
        i = 0
        k = 0
        while i < n {
            let v = src[i]
            if i + 1 < n && isDotComma(v) && !isDigit(src[i + 1]) {
                dst[k] = 0x20; dst[k + 1] = v; dst[k + 2] = 0x20; dst[k + 3] = src[i + 1]
                k += 4; i += 2
            } else {
                dst[k] = v; k += 1; i += 1
            }
        }
        t1.count = k
        // ([0-9])(-) -> "\1 \2 "
        if hasDash {
            dashPass(t1, into: &out)
        } else {
            out.removeAll()
            out.reserve(t1.count)
            out.base.update(from: t1.base, count: t1.count)
            out.count = t1.count
        }
    }

    /// 13a's last pass `([0-9])(-)` → `\1 \2 `, from `src` into `out`.
    private static func dashPass(_ src: borrowing ScalarBuffer, into out: inout ScalarBuffer) {
        let n = src.count
        out.removeAll()
        out.reserve(2 * n)
        let s = src.base, dst = out.base
        var i = 0, k = 0
        while i < n {
            let v = s[i]
            if i + 1 < n && isDigit(v) && s[i + 1] == 0x2D {
                dst[k] = v; dst[k + 1] = 0x20; dst[k + 2] = 0x2D; dst[k + 3] = 0x20
                k += 4; i += 2
            } else {
                dst[k] = v; k += 1; i += 1
            }
        }
        out.count = k
    }

    private static let skipped = scalarsOf("<skipped>")

    private static func scalarsOf(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

    @inline(__always) private static func isDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
    @inline(__always) private static func isDotComma(_ v: UInt32) -> Bool { v == 0x2E || v == 0x2C }

    /// The 13a punctuation class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
    @inline(__always) static func is13aPunct(_ v: UInt32) -> Bool {
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

/// ASCII parts of the Unicode general-category classes used by `intl` (non-ASCII goes through `TextCache`,
/// whose categories were checked equal to the `regex` module's for every code point).
enum UnicodeClass {
    /// ASCII characters in category S: $+<=>^`|~
    @inline(__always) static func asciiSymbol(_ v: UInt32) -> Bool {
        v == 0x24 || v == 0x2B || v == 0x3C || v == 0x3D || v == 0x3E || v == 0x5E || v == 0x60 || v == 0x7C || v == 0x7E
    }

    /// ASCII characters in category P: !"#%&'()*,-./:;?@[\]_{}
    @inline(__always) static func asciiPunct(_ v: UInt32) -> Bool {
        switch v {
        case 0x21, 0x22, 0x23, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2C, 0x2D, 0x2E, 0x2F,
             0x3A, 0x3B, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x5F, 0x7B, 0x7D: return true
        default: return false
        }
    }
}
