import Foundation
import Testing
import MizanText

@Suite(.timeLimit(.minutes(5))) struct ScriptsTests {
    @Test func classifiesScalars() {
        #expect(Scripts.script(of: "ب") == .arabic)
        #expect(Scripts.script(of: "\u{FEFB}") == .arabic)
        #expect(Scripts.script(of: "ⵣ") == .tifinagh)
        #expect(Scripts.script(of: "é") == .latin)
        #expect(Scripts.script(of: "ɛ") == .latin)
        #expect(Scripts.script(of: "ṭ") == .latin)
        #expect(Scripts.script(of: "γ") == .other)
        #expect(Script(iso15924: "Tfng") == .tifinagh)
        #expect(Script(iso15924: "Cyrl") == nil)
    }

    @Test func ircamMembership() {
        #expect(Scripts.ircamLetters.count == 31)
        for s in "ⴰⴱⴳⴷⴹⴻⴼⴽⵀⵃⵄⵅⵇⵉⵊⵍⵎⵏⵓⵔⵕⵖⵙⵚⵛⵜⵟⵡⵢⵣⵥ".unicodeScalars { #expect(Scripts.isIRCAM(s)) }
        for s in "ⴲⴴⴵⴸⴺⵆⵈⵋⵐⵗⵝⵞⵠⵤⵦⵧ".unicodeScalars { #expect(!Scripts.isIRCAM(s), "\(s)") }
        let found = Scripts.nonIRCAM("ⴰⵣⵓⵍ ⵜⴰⵎⴰⵣⵗⴰ ⴰⵅⵯ ⴰⴳⵯⵎⴰⵔ")
        #expect(found.letters == ["ⵗ"])
        #expect(found.strayLabialization == 1)
    }

    @Test func letterCountsIgnoreMarksDigitsAndLabialization() {
        let c = Scripts.letterCounts("مُحَمَّد 12 ⴳⵯ abc ـ Ω!")
        #expect(c.arabic == 4)
        #expect(c.tifinagh == 1)
        #expect(c.latin == 3)
        #expect(c.other == 1)
        #expect(c.total == 9)
        #expect(abs(c.share(of: .arabic) - 4.0 / 9.0) < 1e-12)
        #expect(ScriptCounts().share(of: .latin) == 0)
    }

    @Test func tokenizerUsesUnicodeLetters() {
        #expect(Tokenizer.words("واش نتا مزيان؟ كلشي بخير، الحمد لله.") == ["واش", "نتا", "مزيان", "كلشي", "بخير", "الحمد", "لله"])
        #expect(Tokenizer.words("مُحَمَّدٌ") == ["مُحَمَّدٌ"])             // marks stay inside the word
        #expect(Tokenizer.words("wach 3ndek l'bit?") == ["wach", "3ndek", "l", "bit"])
        #expect(Tokenizer.words("ⴰⴳⵯⵎⴰⵔ ⴰⵣⵓⵍ") == ["ⴰⴳⵯⵎⴰⵔ", "ⴰⵣⵓⵍ"])
        #expect(Tokenizer.words("e\u{301}te\u{301} ça") == ["e\u{301}te\u{301}", "ça"])
        #expect(Tokenizer.words("  ...  ") == [])
        #expect(Tokenizer.words("tanemmirt ɣef lɛafya") == ["tanemmirt", "ɣef", "lɛafya"])
    }
}

@Suite(.timeLimit(.minutes(5))) struct FastPathTests {
    /// A small deterministic generator (xorshift) so the test is reproducible.
    private struct XorShift {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }

    @Test func fastNFCCheckAgreesWithFoundationOnRandomMixes() {
        let pool: [UInt32] = [0x61, 0x65, 0xE9, 0x627, 0x628, 0x64E, 0x651, 0x650, 0x654, 0x653, 0x670, 0x6D6,
                              0x615, 0x301, 0x300, 0x323, 0x2D33, 0x2D6F, 0x2D7F, 0x3B5, 0x3B3, 0x437, 0x483,
                              0x1E6D, 0x263, 0x2019, 0x41, 0x4F, 0x2126, 0x387]
        var rng = XorShift(state: 0x9E3779B97F4A7C15)
        for _ in 0..<3000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<(1 + rng.next(6)) { s.append(Unicode.Scalar(pool[rng.next(pool.count)])!) }
            let text = String(s)
            let expected = text.precomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
            #expect(CanonicalNormalizer().normalize(text).unicodeScalars.map(\.value) == expected, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func fastTokenizerTablesAgreeWithGeneralCategory() {
        let ranges: [ClosedRange<UInt32>] = [0x80...0x24F, 0x600...0x6FF, 0x2000...0x206F, 0x2D30...0x2D7F]
        for r in ranges {
            for v in r {
                guard let s = Unicode.Scalar(v) else { continue }
                let expected: Bool
                switch s.properties.generalCategory {
                case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                     .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber: expected = true
                default: expected = false
                }
                #expect(Tokenizer.isWordScalar(s) == expected, "U+\(String(v, radix: 16))")
            }
        }
    }
}
