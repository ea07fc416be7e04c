import Foundation
import Testing
import MizanCore
import MizanText

private let ary = LanguageTag(language: "ary", script: "Arab")
private let arb = LanguageTag(language: "arb", script: "Arab")
private let aryLatn = LanguageTag(language: "ary", script: "Latn")
private let zgh = LanguageTag(language: "zgh", script: "Tfng")
private let kab = LanguageTag(language: "kab", script: "Latn")
private let fra = LanguageTag(language: "fra", script: "Latn")
private let eng = LanguageTag(language: "eng", script: "Latn")

private func l0(_ s: String) -> String { CanonicalNormalizer().normalize(s) }
private func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }

@Suite(.timeLimit(.minutes(5))) struct L0NormalizerTests {
    @Test func nfcMakesDecomposedFrenchEqualScalarForScalar() {
        let nfd = "e\u{301}te\u{301} a\u{300} l\u{2019}e\u{301}cole"
        let nfc = "\u{E9}t\u{E9} \u{E0} l\u{2019}\u{E9}cole"
        #expect(scalars(l0(nfd)) == scalars(nfc))
        #expect(scalars(l0(nfc)) == scalars(nfc))
    }

    @Test func nfcComposesArabicHamzaAndReordersMarks() {
        // alef + combining hamza above → أ; shadda (33) + fatha (30) → fatha, shadda
        #expect(scalars(l0("\u{627}\u{654}")) == [0x623])
        #expect(scalars(l0("\u{628}\u{651}\u{64E}")) == [0x628, 0x64E, 0x651])
    }

    @Test func fastNFCPathAgreesWithFoundation() {
        let samples = ["الدار البيضاء", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⴽ", "ḍḥṛṣṭẓ čǧ ɛɣ", "Ça va — très bien…", "مُحَمَّدٌ", "ⴳⵯ ⴽⵯ"]
        for s in samples { #expect(scalars(l0(s)) == scalars(s.precomposedStringWithCanonicalMapping)) }
    }

    @Test func deletesEveryInvisibleControl() {
        let controls: [UInt32] = Array(0x200B...0x200F) + Array(0x202A...0x202E) + Array(0x2066...0x2069)
            + [0x061C, 0xFEFF, 0x00AD]
        for c in controls {
            let s = "ab\(Character(Unicode.Scalar(c)!))cd"
            #expect(l0(s) == "abcd", "U+\(String(c, radix: 16))")
        }
    }

    @Test func countsControlsBeforeDeleting() {
        let text = "\u{202B}سلام\u{202C} \u{200F}x\u{200B}y\u{FEFF}\u{AD}\u{2067}\u{61C}"
        let count = Normalizers.countControls(text)
        #expect(count.bidi == 5)
        #expect(count.invisible == 3)
        #expect(count.total == 8)
        #expect(Normalizers.countControls("plain") == ControlCount())
    }

    @Test func whitespaceIsUnifiedCollapsedAndTrimmed() {
        #expect(l0("  a\u{A0}b\u{202F}c\td\n\ne\r\nf\u{2003}g\u{3000}h\u{2028}i  ") == "a b c d e f g h i")
        #expect(l0("\u{A0}\u{202F} \t") == "")
        #expect(l0("") == "")
    }

    @Test func controlsBetweenSpacesStillCollapse() {
        #expect(l0("a \u{200B} b") == "a b")
    }

    @Test func arabicPresentationFormsFoldOneCodePointAtATime() {
        #expect(l0("\u{FEFB}") == "\u{644}\u{627}")                // ﻻ → لا
        #expect(l0("\u{FE8D}\u{FEDF}\u{FEE4}\u{FED0}\u{FEAE}\u{FE9F}") == "المغرج")
        #expect(l0("\u{FB8A}") == "\u{698}")                       // ﮊ → ژ (FB50 block)
        #expect(l0("\u{FDF2}") == "\u{627}\u{644}\u{644}\u{647}")  // ﷲ → الله
    }

    @Test func tifinaghLabializationMarkIsNeverTurnedIntoYaw() {
        let text = "ⴰⴳⵯⵎⴰⵔ ⴰⴽⵯⵔⴰⵎ"
        #expect(l0(text) == text)
        #expect(l0(text).unicodeScalars.contains("\u{2D6F}"))
        #expect(!l0(text).unicodeScalars.contains("\u{2D61}"))
        // NFKC on a whole string would break it: L0 must not behave like this.
        #expect(text.precomposedStringWithCompatibilityMapping != text)
    }

    @Test func l0KeepsCaseAndLetters() {
        #expect(l0("Rabat ﻻ") == "Rabat لا")
        #expect(Normalizers.make(.l0, for: ary).version == "l0/1")
        #expect(Normalizers.make(.none, for: ary).normalize(" x ") == " x ")
    }
}

@Suite(.timeLimit(.minutes(5))) struct ArabicL1Tests {
    private func n(_ s: String) -> String { Normalizers.make(.l1, for: ary).normalize(s) }

    @Test func removesEveryTashkeelMark() {
        for v in Array(0x064B...0x065F) + [0x0670] + Array(0x0610...0x061A) + Array(0x06D6...0x06ED) {
            let mark = Character(Unicode.Scalar(UInt32(v))!)
            #expect(n("ب\(mark)ت") == "بت", "U+\(String(v, radix: 16))")
        }
        #expect(n("مُحَمَّدٌ") == "محمد")
        #expect(n("الرَّحْمٰن") == "الرحمن")
    }

    @Test func removesTatweel() { #expect(n("جـــميل") == "جميل") }

    @Test func alefVariantsBecomeBareAlef() {
        for c in ["أ", "إ", "آ", "ٱ"] { #expect(n("\(c)ب") == "اب", "\(c)") }
        #expect(n("إسلام أحمد آمال ٱلله") == "اسلام احمد امال الله")
    }

    @Test func yaTaMarbutaAndHamzaSeats() {
        #expect(n("على") == "علي")       // ى → ي
        #expect(n("مدرسة") == "مدرسه")   // ة → ه
        #expect(n("مؤمن") == "مومن")     // ؤ → و
        #expect(n("سائل") == "سايل")     // ئ → ي
    }

    @Test func farsiYaAndKaf() {
        #expect(n("\u{6CC}") == "\u{64A}")   // ی → ي
        #expect(n("\u{6A9}") == "\u{643}")   // ک → ك
    }

    @Test func allGafFormsBecomeNg() {
        for g in ["\u{6AD}", "\u{763}", "\u{6AF}"] { #expect(scalars(n("\(g)ال")) == [0x6AD, 0x627, 0x644]) }
        #expect(n("گلميم") == n("ݣلميم"))
    }

    @Test func allDigitsBecomeWestern() {
        #expect(n("٠١٢٣٤٥٦٧٨٩") == "0123456789")
        #expect(n("۰۱۲۳۴۵۶۷۸۹") == "0123456789")
    }

    @Test func separatorsAndPunctuation() {
        #expect(n("٣٫٥") == "3.5")
        #expect(n("١٬٠٠٠") == "1,000")
        #expect(n("نعم، لا؛ واش؟") == "نعم, لا; واش?")
        #expect(n("«مرحبا»") == "\"مرحبا\"")
    }

    @Test func lettersRepeatedThreeTimesOrMoreAreCutToTwo() {
        #expect(n("بزااااااف") == "بزااف")
        #expect(n("بزااف") == "بزااف")
        #expect(n("اللغة") == "اللغه")            // a real double letter stays
        #expect(n("1000000") == "1000000")       // digits are not letters
        #expect(ArabicNormalizer(collapseRepeats: false).normalize("بزااااف") == "بزااااف")
    }

    @Test func appliesL0FirstAndCasefoldsLatin() {
        #expect(n("\u{FEFB}\u{200F} Merci") == "لا merci")
        #expect(Normalizers.make(.l1, for: arb).version == "ar-l1/1")
        #expect(Normalizers.make(.l1, for: arb).normalize("أَهْلاً") == "اهلا")
    }
}

@Suite(.timeLimit(.minutes(5))) struct LatinAndTifinaghL1Tests {
    @Test func arabiziLowercasesAndKeepsDigitLetters() {
        let n = Normalizers.make(.l1, for: aryLatn)
        #expect(n.version == "arabizi-l1/1")
        #expect(n.normalize("  Wach 3ndek 7ta  9LAM? ") == "wach 3ndek 7ta 9lam?")
    }

    @Test func tifinaghLabializationJoinsPreviousLetter() {
        let n = Normalizers.make(.l1, for: zgh)
        #expect(n.version == "tfng-l1/1")
        #expect(n.normalize("ⴰⴳ\u{200D}ⵯⵎⴰⵔ") == "ⴰⴳⵯⵎⴰⵔ")     // ZWJ dropped
        #expect(n.normalize("ⴰⴳ ⵯⵎⴰⵔ") == "ⴰⴳⵯⵎⴰⵔ")           // stray space dropped
        #expect(!n.normalize("ⴰⴽⵯⵔⴰⵎ").unicodeScalars.contains("\u{2D61}"))
        #expect(n.normalize("ⴰⵣⵓⵍ⵰ ⵎⴰⵏⵣⴰⴽⵉⵏ") == "ⴰⵣⵓⵍ⵰ ⵎⴰⵏⵣⴰⴽⵉⵏ")  // ⵰ kept as punctuation
        #expect(Tokenizer.words("ⴰⵣⵓⵍ⵰ⵎⴰⵏⵣⴰⴽⵉⵏ") == ["ⴰⵣⵓⵍ", "ⵎⴰⵏⵣⴰⴽⵉⵏ"])
    }

    @Test func latinTamazightLookalikesEveryListedCharacter() {
        let n = Normalizers.make(.l1, for: kab)
        #expect(n.version == "tam-latn-l1/1")
        let cases: [(String, String)] = [
            ("ε", "ɛ"), ("ϵ", "ɛ"), ("γ", "ɣ"), ("Γ", "ɣ"), ("Г", "ɣ"), ("Σ", "ɛ"), ("Ԑ", "ɛ"),
            ("ţ", "ṭ"), ("ț", "ṭ"), ("ş", "ṣ"), ("ș", "ṣ"), ("ğ", "ǧ"), ("ĝ", "ǧ"), ("ʷ", "w"),
            ("Ţ", "ṭ"), ("Ș", "ṣ"), ("Ğ", "ǧ"), ("Ɣ", "ɣ"), ("Ɛ", "ɛ"),
        ]
        for (from, to) in cases { #expect(scalars(n.normalize("a\(from)a")) == scalars("a\(to)a"), "\(from)") }
        #expect(n.normalize("Azul, tanemmirt γef lεafya") == "azul, tanemmirt ɣef lɛafya")
        #expect(n.normalize("agʷmar") == "agwmar")
    }

    @Test func latinTamazightNFCPrecomposesDottedLetters() {
        let n = Normalizers.make(.l1, for: kab)
        #expect(scalars(n.normalize("d\u{323}t\u{323}")) == [0x1E0D, 0x1E6D])
        #expect(scalars(n.normalize("t\u{327}")) == [0x1E6D])   // t + cedilla → ţ → ṭ
        #expect(n.normalize("açu") == "açu")                    // no legacy ç → č
    }

    @Test func frenchApostrophesAndQuotes() {
        let n = Normalizers.make(.l1, for: fra)
        #expect(n.version == "fr-l1/1")
        for a in ["\u{2019}", "\u{2BC}", "\u{2018}"] { #expect(n.normalize("l\(a)eau") == "l'eau") }
        for q in ["\u{201C}", "\u{201D}"] { #expect(n.normalize("\(q)x") == "\"x") }
        #expect(n.normalize("«\u{A0}Bonjour\u{A0}»") == "\"bonjour\"")
        #expect(n.normalize("« Bonjour »") == "\"bonjour\"")
    }

    @Test func frenchSpaceBeforeHighPunctuationIsRemoved() {
        let n = Normalizers.make(.l1, for: fra)
        #expect(n.normalize("Quoi\u{A0}? Oui\u{202F}! Ainsi\u{A0}: ceci\u{A0}; fin") == "quoi? oui! ainsi: ceci; fin")
        #expect(n.normalize("Quoi? Oui!") == n.normalize("Quoi ? Oui !"))
    }

    @Test func frenchCasefoldLigatureAndAccents() {
        let n = Normalizers.make(.l1, for: fra)
        #expect(n.normalize("Œuvre cœur ÆQUO") == "oeuvre coeur aequo")
        #expect(n.normalize("Élève à l'école, ça va ? Noël, maïs, où") == "eleve a l'ecole, ca va? noel, mais, ou")
        #expect(n.normalize("e\u{301}le\u{300}ve") == "eleve")   // NFD input
        #expect(n.normalize("Straße") == "strasse")
    }

    @Test func unknownLanguagesGetCasefold() {
        let n = Normalizers.make(.l1, for: eng)
        #expect(n.version == "casefold-l1/1")
        #expect(n.normalize(" The\u{A0}CAT ") == "the cat")
        #expect(n.normalize("Café") == "café")
    }

    @Test func versionsCoverEveryTagAndLevel() {
        let v = Normalizers.versions(for: [ary, aryLatn, zgh, kab, fra, eng])
        #expect(v.count == 18)
        #expect(v["ary-Arab l1"] == "ar-l1/1")
        #expect(v["ary-Latn l1"] == "arabizi-l1/1")
        #expect(v["zgh-Tfng l1"] == "tfng-l1/1")
        #expect(v["kab-Latn l1"] == "tam-latn-l1/1")
        #expect(v["fra-Latn l1"] == "fr-l1/1")
        #expect(v["eng-Latn l1"] == "casefold-l1/1")
        #expect(v["fra-Latn l0"] == "l0/1")
        #expect(v["fra-Latn none"] == "none")
    }
}
