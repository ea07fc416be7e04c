import MizanText

/// The word lists and counters behind the `fidelity` metric. Arabic words are compared after
/// `ar-l1` normalization (so أ/ا, ة/ه, tashkeel and tatweel do not matter) with doubled letters
/// squeezed (بزااف = بزاف); Latin words after L0 + case folding.
public enum FidelityLexicons {
    /// Darija markers matched as whole words (listed in docs/normalization.md).
    static let darijaExact: Set<String> = arabicSet(["واش", "واشنو", "بزاف", "دابا", "شنو", "اشنو", "فين", "علاش",
                                                   "ماشي", "خاص", "كيفاش", "هادشي", "والو"])
    /// Darija markers matched as word beginnings (ديالي, غادية, بغيتي, كاينين, مزيانة).
    static let darijaPrefixes: [String] = arabicList(["ديال", "غادي", "بغيت", "كاين", "مزيان"])
    /// Pronoun suffixes that keep خاص a Darija marker (خاصني, خاصك, خاصو …); خاصة (MSA "especially") is not one.
    static let khassSuffixes: Set<String> = ["ني", "ك", "كم", "و", "ها", "نا", "هم"]
    /// Words starting with كي that are not كي- verbs (كيف, كيمياء, كيلو, كيان, كيس …).
    static let kiExclusions: [String] = arabicList(["كيف", "كيم", "كيل", "كيان", "كيس"])
    /// Words starting with كا[نتي] that are not كا- verbs (كانوا, كانون, كاتب, كاتبة).
    static let kaExclusions: [String] = arabicList(["كانو", "كاتب"])
    /// MSA markers, including the inflected ليست/ليسوا (listed in docs/normalization.md).
    static let msa: Set<String> = arabicSet(["الذي", "التي", "سوف", "لقد", "ليس", "ليست", "ليسوا", "ماذا", "أريد", "جدا", "الآن"])

    /// French function words: a high share of them means the answer is French. Words that are also
    /// common in Arabizi or Latin Tamazight (la, ma, a, ta, sa, ou, single letters) are left out.
    static let french: Set<String> = ["le", "les", "de", "des", "du", "un", "une", "et", "est", "en", "que", "qui",
                                      "pour", "dans", "pas", "ne", "il", "elle", "je", "vous", "nous", "ce", "au", "aux",
                                      "avec", "sur", "par", "mais", "son", "ses", "mon", "cette", "ces", "sont", "être",
                                      "été", "très", "plus", "comme", "tout", "aussi", "leur", "elles", "ils", "cela",
                                      "ça", "à", "où", "qu", "c'est", "suis", "ont", "était", "peut", "fait", "bien"]
    /// English function words (English is the commonest wrong language an LLM answers in).
    static let english: Set<String> = ["the", "and", "is", "are", "of", "that", "this", "with", "for", "was", "were",
                                       "you", "your", "have", "has", "it", "not", "be", "will", "would", "can", "which",
                                       "there", "they", "what", "to", "in"]
    /// Darija words as commonly written in Arabizi (lower case).
    static let arabizi: Set<String> = ["wach", "wash", "bghit", "bghiti", "bghina", "dyal", "dial", "diyal", "dyali",
                                       "diali", "dyalek", "dialk", "bzaf", "bzzaf", "bezzaf", "bezaf", "daba", "chno",
                                       "chnou", "chnu", "shno", "achno", "3lach", "3lash", "ghadi", "ghad", "machi",
                                       "mashi", "khass", "khas", "khassni", "kayn", "kayna", "kain", "kaina", "kayen",
                                       "hadchi", "hada", "hadi", "wakha", "safi", "mzyan", "mezyan", "mzyana", "bhal",
                                       "kifach", "kifash", "fach", "mnin", "imta", "chwiya", "chi", "walakin", "walo",
                                       "rah", "raha", "ana", "nta", "nti", "howa", "huwa", "hiya", "hna", "homa", "ntoma"]

    /// Arabizi digits that stand for letters: 2 ء, 3 ع, 5 خ, 6 ط, 7 ح, 8 ه/غ, 9 ق.
    static let arabiziDigits: Set<Unicode.Scalar> = ["2", "3", "5", "6", "7", "8", "9"]

    static func arabicSet(_ words: [String]) -> Set<String> { Set(words.map(squeezedArabic)) }
    static func arabicList(_ words: [String]) -> [String] { words.map(squeezedArabic) }

    /// `ar-l1` normalization with every doubled letter squeezed to one.
    static func squeezedArabic(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        for s in ArabicNormalizer().normalize(word).unicodeScalars where out.last != s { out.append(s) }
        return String(out)
    }

    /// Darija and MSA marker counts over words already passed through `squeezedArabic`.
    /// A leading و or ف (and, so) is tried off as well: وسوف, ولقد, وغادي count.
    static func markers(_ words: [String]) -> (darija: Int, msa: Int) {
        var darija = 0
        var msaCount = 0
        for word in words {
            var forms = [word]
            if word.unicodeScalars.count > 3, let first = word.unicodeScalars.first, first == "و" || first == "ف" {
                forms.append(String(word.unicodeScalars.dropFirst()))
            }
            if forms.contains(where: isDarija) { darija += 1 } else if forms.contains(where: msa.contains) { msaCount += 1 }
        }
        return (darija, msaCount)
    }

    /// True for a Darija marker: the lexicon, خاص + pronoun, and the كي-/كا- verb prefixes
    /// (كي + at least 2 letters: كيقول, كيجي; كا + ن/ت/ي + at least 2 letters: كانقول, كاتدير, كايدير),
    /// minus the MSA look-alikes in `kiExclusions` and `kaExclusions`.
    static func isDarija(_ w: String) -> Bool {
        if darijaExact.contains(w) || darijaPrefixes.contains(where: w.hasPrefix) { return true }
        let scalars = Array(w.unicodeScalars)
        if w.hasPrefix("خاص"), khassSuffixes.contains(String(String.UnicodeScalarView(scalars.dropFirst(3)))) { return true }
        guard scalars.count >= 4, scalars[0] == "ك" else { return false }
        if scalars[1] == "ي" { return !kiExclusions.contains(where: w.hasPrefix) }
        if scalars[1] == "ا", scalars.count >= 5, ["ن", "ت", "ي"].contains(scalars[2]) {
            return !kaExclusions.contains(where: w.hasPrefix)
        }
        return false
    }

    /// True for an Arabizi word with a letter digit next to letters (3la, m3a, 7na, b9a) or the ka- verb
    /// prefix (kanmchi, katdir, kaydir).
    static func isArabizi(_ w: String) -> Bool {
        if arabizi.contains(w) { return true }
        var hasLetter = false
        var hasDigitLetter = false
        for s in w.unicodeScalars {
            if arabiziDigits.contains(s) { hasDigitLetter = true } else if Scripts.isLetter(s) { hasLetter = true }
        }
        if hasLetter && hasDigitLetter { return true }
        let u = Array(w.unicodeScalars)
        return u.count >= 5 && u[0] == "k" && u[1] == "a" && ["n", "t", "y"].contains(u[2])
    }
}

/// Repetition-loop detection over word tokens.
public enum RepetitionDetector {
    /// A run of one n-gram repeated back to back.
    public struct Loop: Sendable, Hashable {
        /// Words in the repeated n-gram.
        public var n: Int
        /// How many times it occurs in a row.
        public var repeats: Int
        /// Index of the first word of the run.
        public var start: Int
    }

    /// The longest back-to-back repetition (by words covered) of any n-gram with 1 ≤ n ≤ `maxN`
    /// occurring at least `minRepeats` times in a row.
    public static func longestLoop(_ words: [String], minRepeats: Int = 2, maxN: Int = 20) -> Loop? {
        guard words.count >= 2 else { return nil }
        var ids: [String: Int] = [:]
        let t = words.map { w -> Int in
            if let id = ids[w] { return id }
            ids[w] = ids.count
            return ids.count - 1
        }
        var best: Loop?
        for n in 1...min(maxN, t.count / 2) {
            var run = 0
            for j in 0..<(t.count - n) {
                run = t[j] == t[j + n] ? run + 1 : 0
                let repeats = (run + n) / n
                if repeats >= max(2, minRepeats), repeats * n > (best.map { $0.repeats * $0.n } ?? 0) {
                    best = Loop(n: n, repeats: repeats, start: j - run + 1)
                }
            }
        }
        return best
    }

    /// Distinct word trigrams / all word trigrams (1 for fewer than 3 words); low values mean the text repeats itself.
    public static func distinctTrigramRatio(_ words: [String]) -> Double {
        guard words.count >= 3 else { return 1 }
        var seen = Set<String>()
        for i in 0...(words.count - 3) { seen.insert("\(words[i])\u{1F}\(words[i + 1])\u{1F}\(words[i + 2])") }
        return Double(seen.count) / Double(words.count - 2)
    }
}
