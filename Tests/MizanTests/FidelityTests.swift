import Testing
import MizanCore
import MizanMetrics

private let ary = LanguageTag(language: "ary", script: "Arab")
private let arb = LanguageTag(language: "arb", script: "Arab")
private let aryLatn = LanguageTag(language: "ary", script: "Latn")
private let zgh = LanguageTag(language: "zgh", script: "Tfng")
private let kab = LanguageTag(language: "kab", script: "Latn")
private let fra = LanguageTag(language: "fra", script: "Latn")

private func fidelity(_ output: String, _ tag: LanguageTag, _ options: [String: JSONValue] = [:]) async throws -> MetricResult {
    let metric = try MetricRegistry.make(MetricSpec(name: "fidelity", options: options))
    return try await metric.score(MetricInput(itemID: "f", output: output, language: tag))
}

private func reasons(_ r: MetricResult) -> [String] {
    guard case .array(let a)? = r.details["reasons"] else { return ["<missing>"] }
    return a.compactMap(\.stringValue)
}

@Suite(.timeLimit(.minutes(5))) struct FidelityTests {
    @Test func darijaAnswerPasses() async throws {
        let r = try await fidelity("واش بغيتي تمشي معايا للسوق دابا؟ الجو زوين بزاف، وكنقول ليك كيجي بكري.", ary)
        #expect(r.value == 1, "\(reasons(r))")
        #expect((r.details["darijaMarkers"]?.doubleValue ?? 0) >= 5)
        #expect(r.details["msaMarkers"]?.doubleValue == 0)
        #expect(r.details["scriptShare"]?.doubleValue == 1)
    }

    @Test func msaAnswerToDarijaTaskFails() async throws {
        let r = try await fidelity("أريد أن أذهب إلى السوق الآن لأن الجو جميلٌ جداً، وسوف أعود قريباً.", ary)
        #expect(r.value == 0)
        #expect(reasons(r) == ["msa"])
        #expect(r.details["msaMarkers"]?.doubleValue == 4)
        #expect(r.details["darijaRatio"] == .number(0))
    }

    @Test func darijaAnswerToMSATaskFails() async throws {
        let msa = try await fidelity("الذي حدث أمس كان مهماً جداً، ولقد تحدثنا عنه.", arb)
        #expect(msa.value == 1, "\(reasons(msa))")
        let darija = try await fidelity("شنو وقع البارح؟ ماشي مشكل، غادي نهضرو عليه دابا.", arb)
        #expect(reasons(darija) == ["darija"])
    }

    @Test func msaLookalikesAreNotDarijaMarkers() async throws {
        // كان, كانت, كانوا, كيف, كيفية, كاتب, خاصة are MSA words, not كا-/كي- verbs or خاص
        let r = try await fidelity("كان الكاتب يعرف كيف كانت الأمور، وكانوا خاصة كيفية الكتابة.", arb)
        #expect(r.details["darijaMarkers"]?.doubleValue == 0)
        #expect(r.value == 1)
    }

    @Test func frenchAnswerToDarijaQuestionFails() async throws {
        let r = try await fidelity("Je pense que le Maroc est un pays magnifique et très accueillant.", ary)
        #expect(r.value == 0)
        #expect(reasons(r).contains("script"))
        #expect(reasons(r).contains("french"))
        #expect(r.details["scriptShare"]?.doubleValue == 0)
    }

    @Test func frenchWordsInsideDarijaAreNormal() async throws {
        let r = try await fidelity("الماتش كان زوين بزاف و l'ambiance كانت top", ary)
        #expect(r.value == 1, "\(reasons(r))")
        #expect((r.details["frenchShare"]?.doubleValue ?? 1) < 0.25)
    }

    @Test func frenchTargetAcceptsFrenchButNotEnglish() async throws {
        #expect(try await fidelity("Je pense que le Maroc est un pays magnifique.", fra).value == 1)
        let r = try await fidelity("I think that Morocco is a beautiful country and the food is great.", fra)
        #expect(reasons(r) == ["english"])
    }

    @Test func tifinaghWithNonIRCAMLettersFails() async throws {
        let good = try await fidelity("ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ⵰ ⴰⴳⵯⵎⴰⵔ ⵉⵍⵍⴰ ⴳ ⵓⵎⴰⵣⵉⵔ", zgh)
        #expect(good.value == 1, "\(reasons(good))")
        #expect(good.details["nonIRCAM"]?.doubleValue == 0)
        let bad = try await fidelity("ⴰⵣⵓⵍ ⵝⴰⵎⴰⵣⵉⵖⵝ ⴷ ⵗⴰⵔ", zgh)
        #expect(reasons(bad) == ["nonIRCAM"])
        #expect(bad.details["nonIRCAM"]?.doubleValue == 3)
        #expect(bad.details["nonIRCAMLetters"] == .string("ⵝⵗ"))
        #expect(try await fidelity("ⴰⵣⵓⵍ ⵝⴰⵎⴰⵣⵉⵖⵝ ⴷ ⵗⴰⵔ", zgh, ["nonIRCAMAllowed": .number(3)]).value == 1)
    }

    @Test func arabicAnswerToTifinaghTaskFails() async throws {
        #expect(reasons(try await fidelity("مرحبا بكم في المغرب", zgh)) == ["script"])
    }

    @Test func repetitionLoopFails() async throws {
        let loop = "الجواب هو: " + String(repeating: "كنبغي المغرب بزاف. ", count: 5)
        let r = try await fidelity(loop, ary)
        #expect(reasons(r) == ["loop"])
        guard case .object(let l)? = r.details["loop"] else { Issue.record("no loop"); return }
        #expect(l["n"] == .number(3))
        #expect(l["repeats"] == .number(5))
        #expect(l["text"] == .string("كنبغي المغرب بزاف"))
    }

    @Test func emphaticRepetitionIsNotALoop() async throws {
        let r = try await fidelity("زوين بزاف بزاف بزاف، الله يخليك", ary)
        #expect(r.value == 1, "\(reasons(r))")
    }

    @Test func nearLoopWithSmallVariationsIsRepetitive() async throws {
        var text = ""
        for i in 0..<12 { text += "النقطة \(i) هي أن المغرب بلد جميل. " }   // 7 words × 12, numbers differ
        let r = try await fidelity(text, arb)
        #expect(reasons(r) == ["repetitive"], "\(r.details)")
        #expect((r.details["distinctTrigramRatio"]?.doubleValue ?? 1) < 0.5)
    }

    @Test func longOrdinaryProseIsNotRepetitive() async throws {
        let text = """
        المغرب بلد يقع في شمال غرب أفريقيا، تطل سواحله على البحر الأبيض المتوسط والمحيط الأطلسي. \
        عاصمته الرباط، وأكبر مدنه الدار البيضاء. يتحدث سكانه العربية والأمازيغية، وتنتشر الدارجة في الحياة اليومية. \
        يشتهر بمطبخه الغني مثل الكسكس والطاجين، وبمدنه العتيقة كفاس ومراكش، وبجبال الأطلس التي تكسوها \
        الثلوج في الشتاء، وبصحرائه الواسعة في الجنوب حيث تعيش قبائل رحل منذ قرون طويلة.
        """
        let r = try await fidelity(text, arb)
        #expect(r.value == 1, "\(reasons(r))")
        #expect((r.details["distinctTrigramRatio"]?.doubleValue ?? 0) > 0.9)
    }

    @Test func bidiControlsAreCountedAndRemoved() async throws {
        let text = "\u{202B}واش نتا مزيان؟\u{202C}\u{200F} \u{200B}"
        let r = try await fidelity(text, ary)
        #expect(r.value == 1)
        #expect(r.details["bidiControls"]?.doubleValue == 3)
        #expect(r.details["invisibleControls"]?.doubleValue == 1)
        #expect(try await fidelity(text, ary, ["failOnControls": .bool(true)]).value == 0)
    }

    @Test func arabiziNeedsDigitLettersOrDarijaWords() async throws {
        let good = try await fidelity("wach bghiti tmchi m3aya l sou9 daba? ana 7adr", aryLatn)
        #expect(good.value == 1, "\(reasons(good))")
        #expect((good.details["arabiziEvidence"]?.doubleValue ?? 0) >= 5)
        let english = try await fidelity("I think you should go to the market now.", aryLatn)
        #expect(reasons(english) == ["english", "arabizi"])
        let arabicScript = try await fidelity("واش بغيتي تمشي للسوق", aryLatn)
        #expect(reasons(arabicScript).contains("script"))
    }

    @Test func latinTamazightLookalikesCountAsLatin() async throws {
        let r = try await fidelity("Azul fell-awen, amek tellam? Nekk d aqbayli, γer-i yiwen uxxam lεali.", kab)
        #expect(r.value == 1, "\(reasons(r))")
        #expect(r.details["scriptShare"]?.doubleValue == 1)
    }

    @Test func emptyAnswerFails() async throws {
        #expect(reasons(try await fidelity("   ", ary)) == ["noLetters"])
        #expect(reasons(try await fidelity("42", ary)) == ["noLetters"])
    }

    @Test func optionsAreChecked() async throws {
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "fidelity", options: ["threshold": .number(2)]))
        }
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "fidelity", options: ["treshold": .number(0.5)]))
        }
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "fidelity", options: ["loopRepeats": .number(2.5)]))
        }
        let strict = try MetricRegistry.make(MetricSpec(name: "fidelity", options: ["threshold": .number(0.95)]))
        #expect(strict.version == "fidelity/1 threshold=0.95")
        let mixed = "الماتش كان زوين بزاف و l'ambiance كانت top"
        #expect(try await fidelity(mixed, ary, ["threshold": .number(0.95)]).value == 0)
    }
}
