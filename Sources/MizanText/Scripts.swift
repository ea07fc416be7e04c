/// The writing systems mizan measures.
public enum Script: String, Sendable, Codable, CaseIterable {
    /// Arabic script (all Arabic blocks, including presentation forms).
    case arabic
    /// Tifinagh (U+2D30–U+2D7F).
    case tifinagh
    /// Latin script (ASCII letters, Latin-1, Extended A/B, IPA, Extended Additional …).
    case latin
    /// Anything else (Greek, Cyrillic, CJK, symbols …).
    case other

    /// The script an ISO 15924 code names (`Arab`, `Tfng`, `Latn`), or nil for codes mizan does not measure.
    public init?(iso15924 code: String) {
        switch code {
        case "Arab": self = .arabic
        case "Tfng": self = .tifinagh
        case "Latn": self = .latin
        default: return nil
        }
    }
}

/// Letter counts per script.
public struct ScriptCounts: Sendable, Hashable, Codable {
    /// Arabic-script letters.
    public var arabic = 0
    /// Tifinagh letters (the labialization mark ⵯ is not counted: it belongs to the letter before it).
    public var tifinagh = 0
    /// Latin-script letters.
    public var latin = 0
    /// Letters of any other script.
    public var other = 0

    /// Creates empty counts.
    public init() {}

    /// All letters counted.
    public var total: Int { arabic + tifinagh + latin + other }

    /// The count for one script.
    public subscript(script: Script) -> Int {
        switch script {
        case .arabic: return arabic
        case .tifinagh: return tifinagh
        case .latin: return latin
        case .other: return other
        }
    }

    /// The share of letters in `script` (0 when there are no letters).
    public func share(of script: Script) -> Double {
        total == 0 ? 0 : Double(self[script]) / Double(total)
    }
}

/// Script classification of Unicode scalars and letter-share counting.
public enum Scripts {
    /// The script block `s` belongs to (whether or not it is a letter).
    public static func script(of s: Unicode.Scalar) -> Script {
        let v = s.value
        switch v {
        case 0x41...0x5A, 0x61...0x7A, 0xAA, 0xBA, 0xC0...0x24F, 0x250...0x2AF, 0x2B0...0x2FF,
             0x1D00...0x1DBF, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB6F,
             0xFB00...0xFB06, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
            return .latin
        case 0x600...0x6FF, 0x750...0x77F, 0x870...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF:
            return .arabic
        case 0x2D30...0x2D7F:
            return .tifinagh
        default:
            return .other
        }
    }

    /// True when `s` is a letter (general category L*).
    @inline(__always)
    public static func isLetter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// True for Tifinagh letters U+2D30–U+2D67 (not the mark ⵯ, the separator ⵰ or the joiner).
    @inline(__always)
    public static func isTifinaghLetter(_ s: Unicode.Scalar) -> Bool { (0x2D30...0x2D67).contains(s.value) }

    /// The IRCAM letters: ⴰ ⴱ ⴳ ⴷ ⴹ ⴻ ⴼ ⴽ ⵀ ⵃ ⵄ ⵅ ⵇ ⵉ ⵊ ⵍ ⵎ ⵏ ⵓ ⵔ ⵕ ⵖ ⵙ ⵚ ⵛ ⵜ ⵟ ⵡ ⵢ ⵣ ⵥ
    /// (ⴳⵯ and ⴽⵯ are ⴳ and ⴽ with the labialization mark ⵯ).
    public static let ircamLetters: Set<Unicode.Scalar> = Set("ⴰⴱⴳⴷⴹⴻⴼⴽⵀⵃⵄⵅⵇⵉⵊⵍⵎⵏⵓⵔⵕⵖⵙⵚⵛⵜⵟⵡⵢⵣⵥ".unicodeScalars)

    /// True when `s` is one of the IRCAM letters.
    public static func isIRCAM(_ s: Unicode.Scalar) -> Bool { ircamLetters.contains(s) }

    /// Counts the letters of `text` per script. Not counted: the Tifinagh mark ⵯ and the Arabic tatweel
    /// (modifier letters that carry no letter of their own), marks, digits, punctuation.
    public static func letterCounts(_ text: String) -> ScriptCounts {
        var counts = ScriptCounts()
        for s in text.unicodeScalars where isLetter(s) && s.value != 0x2D6F && s.value != 0x0640 {
            switch script(of: s) {
            case .arabic: counts.arabic += 1
            case .tifinagh: counts.tifinagh += 1
            case .latin: counts.latin += 1
            case .other: counts.other += 1
            }
        }
        return counts
    }

    /// The Tifinagh letters of `text` outside the IRCAM set, in order of appearance, plus how many times
    /// ⵯ follows a letter other than ⴳ or ⴽ (IRCAM labializes only those two).
    public static func nonIRCAM(_ text: String) -> (letters: [Unicode.Scalar], strayLabialization: Int) {
        var letters: [Unicode.Scalar] = []
        var stray = 0
        var previous: Unicode.Scalar = " "
        for s in text.unicodeScalars {
            if isTifinaghLetter(s), !isIRCAM(s) { letters.append(s) }
            if s.value == 0x2D6F, previous != "ⴳ", previous != "ⴽ" { stray += 1 }
            previous = s
        }
        return (letters, stray)
    }
}

/// Splits text into words on Unicode properties, never on `[a-z0-9]`.
public enum Tokenizer {
    /// True for scalars that belong inside a word: letters, combining marks and decimal digits.
    @inline(__always)
    public static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return ((v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A) || (v >= 0x30 && v <= 0x39) }
        switch v {
        case 0x621...0x63A, 0x641...0x65F, 0x66E...0x6D3, 0x2D30...0x2D67, 0x2D6F, 0x2D7F, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F:
            return true
        case 0xA0...0xBF, 0x2000...0x206F, 0x600...0x60F, 0x61B...0x61F, 0x66A...0x66D, 0x6D4, 0x2D70:
            return v == 0xAA || v == 0xB5 || v == 0xBA
        default:
            break
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }

    /// The words of `text`: maximal runs of letters, marks and digits. Everything else (spaces,
    /// punctuation such as ' ، ⵰ and symbols) separates words, so `l'eau` gives `l` and `eau`.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        let view = text.unicodeScalars
        var start: String.UnicodeScalarView.Index?
        var i = view.startIndex
        while i < view.endIndex {
            if isWordScalar(view[i]) {
                if start == nil { start = i }
            } else if let s = start {
                words.append(String(view[s..<i]))
                start = nil
            }
            view.formIndex(after: &i)
        }
        if let s = start { words.append(String(view[s..<view.endIndex])) }
        return words
    }
}
