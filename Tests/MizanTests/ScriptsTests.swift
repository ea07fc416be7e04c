import Testing
import MizanText

@Suite struct ScriptsTests {
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
