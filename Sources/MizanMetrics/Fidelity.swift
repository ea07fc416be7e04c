import MizanCore
import MizanText

/// Language fidelity: did the model answer in the requested language **and** script?
/// Value 1 (pass) or 0 (fail); `details` carry every measurement and `reasons` lists the failed rules.
///
/// Invisible and bidi controls are counted first (`bidiControls`, `invisibleControls`: a finding,
/// not a failure unless `failOnControls: true`), then the text is L0-normalized and measured:
/// 1. **Letters** — no letters at all fails (`noLetters`): an empty or digits-only answer is not in any language.
/// 2. **Script share** — letters of the tag's script / all letters (`scriptShare`, per-script counts in
///    `letters`). Fails (`script`) below `threshold` (default 0.8; 0.6 for `ary-Arab`, where French
///    words inside Darija are normal). Latin Tamazight is measured after its lookalike mapping (ε γ → ɛ ɣ).
/// 3. **Darija vs MSA** — for `ary-Arab`, marker words (docs/normalization.md) are counted
///    (`darijaMarkers`: ديال, كي-/كا- verbs, غادي, واش, بزاف, دابا, شنو, فين, علاش, بغيت, خاص, ماشي;
///    `msaMarkers`: الذي, التي, سوف, لقد, ليس, ماذا, أريد, جدا, الآن). Fails (`msa`) when MSA markers
///    outnumber Darija markers and number at least `markerMinimum` (default 1). For `arb-Arab` the
///    rule is mirrored (`darija`): an MSA task answered in Darija fails. `darijaRatio` = D / (D + M).
/// 4. **French and English share** — function words (le, est, des, …; the, is, of, …) / all words.
///    Fails (`french`, `english`) at or above `foreignThreshold` (default 0.25, with at least 4 words),
///    except for the language itself. A few French nouns inside Darija stay far below it.
/// 5. **IRCAM** — for `zgh-Tfng`, Tifinagh letters outside the IRCAM set (`nonIRCAM`,
///    `nonIRCAMLetters`) fail (`nonIRCAM`) when more than `nonIRCAMAllowed` (default 0).
///    ⵯ after a letter other than ⴳ/ⴽ is reported (`strayLabialization`) without failing.
/// 6. **Arabizi** — for `ary-Latn`, words with letter digits (3la, m3a, 7na) or common Arabizi words
///    (wach, dyal, bzaf …) are counted (`arabiziEvidence`). An answer of 5+ words with no evidence
///    fails (`arabizi`): Latin letters alone do not make Darija (set `arabiziEvidence: false` to skip).
/// 7. **Repetition loops** — the longest back-to-back repetition of any 1…20-word n-gram (`loop`).
///    Fails (`loop`) when it repeats at least `loopRepeats` times (default 3) and covers at least
///    `loopMinWords` words (default 10): "بزاف بزاف بزاف" passes, a sentence repeated 3 times fails.
///    For 50+ words, distinct word trigrams / all trigrams (`distinctTrigramRatio`) below
///    `minDistinctTrigramRatio` (default 0.5; ordinary prose is above 0.9) fails (`repetitive`): near-loops with small variations.
public struct Fidelity: Metric {
    /// Minimum target-script letter share, or nil for the per-language default.
    public let threshold: Double?
    /// Function-word share at which a French or English answer fails.
    public let foreignThreshold: Double
    /// Non-IRCAM Tifinagh letters tolerated in a `zgh-Tfng` answer.
    public let nonIRCAMAllowed: Int
    /// Minimum MSA (or Darija, for arb) marker count before the marker rule can fail.
    public let markerMinimum: Int
    /// Repeats of one n-gram that make a loop.
    public let loopRepeats: Int
    /// Words a loop must cover.
    public let loopMinWords: Int
    /// Distinct-trigram ratio under which a long answer is repetitive.
    public let minDistinctTrigramRatio: Double
    /// Whether `ary-Latn` answers need Arabizi evidence.
    public let requireArabiziEvidence: Bool
    /// Whether any invisible or bidi control fails the item.
    public let failOnControls: Bool

    /// `fidelity`.
    public var name: String { "fidelity" }
    /// `fidelity/1` plus any non-default options.
    public var version: String { "fidelity/1" + (optionsSignature.isEmpty ? "" : " " + optionsSignature) }
    private let optionsSignature: String

    /// Reads the options named above; throws `MetricConfigError` for a wrong type or range.
    public init(spec: MetricSpec) throws {
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let raw = spec.options[key] else { return nil }
            guard let d = raw.doubleValue, range.contains(d) else {
                throw MetricConfigError(field: key, message: "metric 'fidelity': \(key) must be a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return d
        }
        func integer(_ key: String, _ min: Int, default value: Int) throws -> Int {
            guard let d = try number(key, Double(min)...1e9) else { return value }
            guard d == d.rounded() else {
                throw MetricConfigError(field: key, message: "metric 'fidelity': \(key) must be a whole number")
            }
            return Int(d)
        }
        threshold = try number("threshold", 0...1)
        foreignThreshold = try number("foreignThreshold", 0...1) ?? 0.25
        nonIRCAMAllowed = try integer("nonIRCAMAllowed", 0, default: 0)
        markerMinimum = try integer("markerMinimum", 1, default: 1)
        loopRepeats = try integer("loopRepeats", 2, default: 3)
        loopMinWords = try integer("loopMinWords", 2, default: 10)
        minDistinctTrigramRatio = try number("minDistinctTrigramRatio", 0...1) ?? 0.5
        requireArabiziEvidence = spec.boolOption("arabiziEvidence", default: true)
        failOnControls = spec.boolOption("failOnControls", default: false)
        let known: Set<String> = ["threshold", "foreignThreshold", "nonIRCAMAllowed", "markerMinimum", "loopRepeats",
                                  "loopMinWords", "minDistinctTrigramRatio", "arabiziEvidence", "failOnControls"]
        if let unknown = spec.options.keys.sorted().first(where: { !known.contains($0) }) {
            throw MetricConfigError(field: unknown, message: "metric 'fidelity': unknown option '\(unknown)'; use one of: \(known.sorted().joined(separator: ", "))")
        }
        optionsSignature = spec.options.keys.sorted().map { "\($0)=\(spec.options[$0]!.stringValue ?? "?")" }.joined(separator: ",")
    }

    /// The default script-share threshold for `tag`.
    public static func defaultThreshold(for tag: LanguageTag) -> Double {
        tag.language == "ary" && tag.script == "Arab" ? 0.6 : 0.8
    }

    /// Scores one item.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        let tag = input.language
        var d: [String: JSONValue] = [:]
        var reasons: [String] = []

        let controls = Normalizers.countControls(input.output)
        d["bidiControls"] = .number(Double(controls.bidi))
        d["invisibleControls"] = .number(Double(controls.invisible))
        if failOnControls && controls.total > 0 { reasons.append("controls") }

        let text = CanonicalNormalizer().normalize(input.output)
        let measured = tag.isLatinTamazight ? LatinTamazightNormalizer().normalize(text) : text
        let counts = Scripts.letterCounts(measured)
        d["letters"] = .object(Dictionary(uniqueKeysWithValues: Script.allCases.map { ($0.rawValue, JSONValue.number(Double(counts[$0]))) }))
        if counts.total == 0 { reasons.append("noLetters") }

        if let target = Script(iso15924: tag.script) {
            let share = counts.share(of: target)
            let minimum = threshold ?? Fidelity.defaultThreshold(for: tag)
            d["targetScript"] = .string(target.rawValue)
            d["scriptShare"] = .number(share)
            d["threshold"] = .number(minimum)
            if counts.total > 0 && share < minimum { reasons.append("script") }
        }

        let words = Tokenizer.words(CaseFolding.fold(text))
        d["words"] = .number(Double(words.count))
        checkMarkers(tag, text: text, details: &d, reasons: &reasons)
        checkForeign(tag, words: words, details: &d, reasons: &reasons)
        if tag.language == "zgh" && tag.isTifinagh {
            let found = Scripts.nonIRCAM(text)
            var distinct = String.UnicodeScalarView()
            for s in found.letters where !distinct.contains(s) { distinct.append(s) }
            d["nonIRCAM"] = .number(Double(found.letters.count))
            d["nonIRCAMLetters"] = .string(String(distinct))
            d["strayLabialization"] = .number(Double(found.strayLabialization))
            if found.letters.count > nonIRCAMAllowed { reasons.append("nonIRCAM") }
        }
        if tag.language == "ary" && tag.script == "Latn" {
            let evidence = words.filter(FidelityLexicons.isArabizi).count
            d["arabiziEvidence"] = .number(Double(evidence))
            if requireArabiziEvidence && words.count >= 5 && evidence == 0 { reasons.append("arabizi") }
        }
        checkRepetition(words, details: &d, reasons: &reasons)

        d["reasons"] = .array(reasons.map(JSONValue.string))
        return MetricResult(value: reasons.isEmpty ? 1 : 0, details: d)
    }

    /// Rule 3: Darija vs MSA markers for ary-Arab and arb-Arab.
    private func checkMarkers(_ tag: LanguageTag, text: String, details d: inout [String: JSONValue], reasons: inout [String]) {
        guard tag.isArabicScript, tag.language == "ary" || tag.language == "arb" else { return }
        let words = Tokenizer.words(text).map(FidelityLexicons.squeezedArabic)
        let m = FidelityLexicons.markers(words)
        d["darijaMarkers"] = .number(Double(m.darija))
        d["msaMarkers"] = .number(Double(m.msa))
        d["darijaRatio"] = m.darija + m.msa == 0 ? .null : .number(Double(m.darija) / Double(m.darija + m.msa))
        if tag.language == "ary", m.msa > m.darija, m.msa >= markerMinimum { reasons.append("msa") }
        if tag.language == "arb", m.darija > m.msa, m.darija >= markerMinimum { reasons.append("darija") }
    }

    /// Rule 4: French and English function-word shares.
    private func checkForeign(_ tag: LanguageTag, words: [String], details d: inout [String: JSONValue], reasons: inout [String]) {
        guard !words.isEmpty else { return }
        let total = Double(words.count)
        let french = Double(words.filter(FidelityLexicons.french.contains).count) / total
        let english = Double(words.filter(FidelityLexicons.english.contains).count) / total
        d["frenchShare"] = .number(french)
        d["englishShare"] = .number(english)
        guard words.count >= 4 else { return }
        if tag.language != "fra" && french >= foreignThreshold { reasons.append("french") }
        if tag.language != "eng" && english >= foreignThreshold { reasons.append("english") }
    }

    /// Rule 7: repetition loops and near-loops.
    private func checkRepetition(_ words: [String], details d: inout [String: JSONValue], reasons: inout [String]) {
        if let loop = RepetitionDetector.longestLoop(words, minRepeats: loopRepeats) {
            let gram = words[loop.start..<(loop.start + loop.n)].joined(separator: " ")
            d["loop"] = .object(["n": .number(Double(loop.n)), "repeats": .number(Double(loop.repeats)),
                                 "text": .string(String(gram.prefix(80)))])
            if loop.repeats * loop.n >= loopMinWords { reasons.append("loop") }
        } else {
            d["loop"] = .null
        }
        if words.count >= 50 {
            let ratio = RepetitionDetector.distinctTrigramRatio(words)
            d["distinctTrigramRatio"] = .number(ratio)
            if ratio < minDistinctTrigramRatio { reasons.append("repetitive") }
        }
    }
}
