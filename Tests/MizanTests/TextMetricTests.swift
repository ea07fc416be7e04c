import Testing
import MizanCore
import MizanMetrics

private let ary = LanguageTag(language: "ary", script: "Arab")
private let arb = LanguageTag(language: "arb", script: "Arab")
private let zgh = LanguageTag(language: "zgh", script: "Tfng")
private let fra = LanguageTag(language: "fra", script: "Latn")

private func run(_ name: String, _ options: [String: JSONValue] = [:], output: String, refs: [String] = [],
                 tag: LanguageTag = ary, finish: String? = nil) async throws -> MetricResult {
    let metric = try MetricRegistry.make(MetricSpec(name: name, options: options))
    return try await metric.score(MetricInput(itemID: "t1", output: output, references: refs, language: tag, finishReason: finish))
}

private func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 } ?? false }

@Suite(.timeLimit(.minutes(5))) struct TokenF1Tests {
    @Test func partialOverlapInArabic() async throws {
        let r = try await run("f1", output: "الرباط", refs: ["الرباط هي العاصمة"], tag: arb)
        #expect(close(r.value, 0.5))                 // P = 1, R = 1/3
        #expect(close(r.details["precision"]?.doubleValue, 1))
    }

    @Test func l1MakesTaMarbutaAndAccentsMatch() async throws {
        #expect(try await run("f1", output: "العاصمه الرباط", refs: ["الرَّبَاط العاصمة"], tag: arb).value == 1)
        #expect(try await run("f1", output: "Très  BIEN", refs: ["tres bien"], tag: fra).value == 1)
        let strict = try await run("f1", ["normalize": .string("l0")], output: "Très bien", refs: ["tres bien"], tag: fra)
        #expect(close(strict.value, 0.5))
    }

    @Test func bestReferenceWinsAndBagCountsRepeats() async throws {
        #expect(try await run("f1", output: "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ", refs: ["ⵜⴰⵏⵎⵎⵉⵔⵜ", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ"], tag: zgh).value == 1)
        let f = TokenF1.f1(["a", "a", "b"], ["a", "b", "b"])    // common = 2
        #expect(close(f.f1, 2.0 / 3.0))
        #expect(TokenF1.f1([], []).f1 == 1)
        #expect(TokenF1.f1(["x"], []).f1 == 0)
    }

    @Test func noReferencesIsAnError() async throws {
        let r = try await run("f1", output: "x")
        #expect(r.value == nil)
        #expect(r.error != nil)
    }
}

@Suite(.timeLimit(.minutes(5))) struct RougeLTests {
    @Test func identicalArabicStringsScoreOne() async throws {
        let s = "المغرب بلد جميل، وعاصمته الرباط."
        #expect(try await run("rouge-l", output: s, refs: [s], tag: arb).value == 1)
        #expect(try await run("rouge-l", output: "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ", refs: ["ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ"], tag: zgh).value == 1)
    }

    @Test func reorderedArabicUsesLongestCommonSubsequence() async throws {
        let r = try await run("rouge-l", output: "الرباط هي عاصمة المغرب", refs: ["عاصمة المغرب هي الرباط", "لا"], tag: arb)
        #expect(close(r.value, 0.5))                  // LCS = عاصمة المغرب
    }

    @Test func nfdFrenchMatchesNFCUnderL0() async throws {
        #expect(try await run("rouge-l", output: "e\u{301}te\u{301} chaud", refs: ["\u{E9}t\u{E9} chaud"], tag: fra).value == 1)
    }

    @Test func lcsClassicExampleAndEmptyInputs() {
        #expect(RougeL.lcsLength(["a", "b", "c", "b", "d", "a", "b"], ["b", "d", "c", "a", "b", "a"]) == 4)
        #expect(RougeL.fMeasure([], ["a"]).f == 0)
        let f = RougeL.fMeasure(["a", "b"], ["a", "c", "b", "d"])   // P = 1, R = 0.5
        #expect(close(f.f, 2.0 / 3.0))
    }
}

@Suite(.timeLimit(.minutes(5))) struct JSONMetricTests {
    static let schema: JSONValue = .object([
        "type": .string("object"),
        "required": .array([.string("answer"), .string("confidence")]),
        "properties": .object([
            "answer": .object(["type": .string("string")]),
            "confidence": .object(["type": .string("number")]),
            "label": .object(["enum": .array([.string("yes"), .string("no")])]),
            "tags": .object(["type": .string("array"), "items": .object(["type": .string("string")])]),
            "meta": .object(["type": .string("object"), "required": .array([.string("lang")]),
                             "additionalProperties": .bool(false),
                             "properties": .object(["lang": .object(["type": .string("string")])])]),
        ]),
    ])

    @Test func validJSONWithAndWithoutFence() async throws {
        let plain = try await run("json", output: #"{"answer": "الرباط"}"#)
        #expect(plain.value == 1)
        #expect(plain.details["fenced"] == .bool(false))
        let fenced = try await run("json", output: "```json\n{\"answer\": \"ⴰⵣⵓⵍ\"}\n```\n")
        #expect(fenced.value == 1)
        #expect(fenced.details["fenced"] == .bool(true))
        #expect(try await run("json", output: "```{\"a\": 1}```").value == 1)
        #expect(try await run("json", output: "  [1, 2, 3] ").value == 1)
    }

    @Test func proseAroundJSONIsInvalid() async throws {
        let r = try await run("json", output: "Voici la réponse : {\"answer\": \"Rabat\"}")
        #expect(r.value == 0)
        #expect(r.details["validJSON"] == .bool(false))
        #expect(r.details["parseError"] != nil)
        #expect(try await run("json", output: "{\"answer\": \"Rabat\",}").value == 0)
    }

    @Test func strictParserRejectsWhatRFC8259Rejects() throws {
        for bad in ["{\"a\": 1,}", "[1,]", "{a: 1}", "{'a': 1}", "NaN", "01", "1.", ".5", "\"tab\there\"", "// x\n{}",
                    "[1 2]", "{\"a\" 1}", "\"\\x\"", "\"\\uD800x\"", "", "[", "tru"] {
            #expect(throws: StrictJSON.ParseError.self, "\(bad)") { try StrictJSON.parse(bad) }
        }
        #expect(try StrictJSON.parse(#" {"a": [1, -2.5e3, true, false, null], "b": "\u00e9\ud83d\ude00\n"} "#)
                == .object(["a": .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]),
                            "b": .string("é😀\n")]))
        #expect(try StrictJSON.parse(#""الرباط""#) == .string("الرباط"))
        #expect(try StrictJSON.parse("0") == .number(0))
    }

    @Test func schemaPasses() async throws {
        let out = #"{"answer": "الرباط", "confidence": 0.9, "label": "yes", "tags": ["a"], "meta": {"lang": "ary"}}"#
        let r = try await run("json", ["schema": Self.schema], output: out)
        #expect(r.value == 1)
        #expect(r.details["schemaValid"] == .bool(true))
    }

    @Test func schemaFailuresNameTheirPath() async throws {
        let out = #"{"answer": 5, "label": "maybe", "tags": ["a", 2], "meta": {"extra": true}}"#
        let r = try await run("json", ["schema": Self.schema], output: out)
        #expect(r.value == 0)
        guard case .array(let errors)? = r.details["schemaErrors"] else { Issue.record("no errors"); return }
        let messages = errors.compactMap(\.stringValue)
        #expect(messages.contains("$: missing required property 'confidence'"))
        #expect(messages.contains("$.answer: expected string, got integer"))
        #expect(messages.contains(#"$.label: "maybe" is not one of ["yes","no"]"#))
        #expect(messages.contains("$.tags[1]: expected string, got integer"))
        #expect(messages.contains("$.meta: missing required property 'lang'"))
        #expect(messages.contains("$.meta: unexpected property 'extra'"))
        #expect(messages.count == 6)
    }

    @Test func booleansAndNumbersAreDistinct() async throws {
        let schema: JSONValue = .object(["type": .string("object"),
                                         "properties": .object(["ok": .object(["type": .string("boolean")]),
                                                                "n": .object(["type": .string("integer")])])])
        #expect(try await run("json", ["schema": schema], output: #"{"ok": true, "n": 3}"#).value == 1)
        #expect(try await run("json", ["schema": schema], output: #"{"ok": 1}"#).value == 0)
        #expect(try await run("json", ["schema": schema], output: #"{"n": 2.5}"#).value == 0)
    }

    @Test func schemaAsStringAndConfigErrors() async throws {
        let text = #"{"type": "object", "required": ["answer"]}"#
        #expect(try await run("json", ["schema": .string(text)], output: #"{"answer": 1}"#).value == 1)
        #expect(try await run("json", ["schema": .string(text)], output: #"{}"#).value == 0)
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "json", options: ["schema": .object(["minimum": .number(1)])]))
        }
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "json", options: ["schema": .object(["type": .string("text")])]))
        }
        #expect(throws: MetricConfigError.self) {
            try MetricRegistry.make(MetricSpec(name: "json", options: ["schema": .string("{not json")]))
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct LengthMetricTests {
    @Test func lengthFinishReasonScoresZero() async throws {
        let cut = try await run("length", output: "الجواب هو", finish: "length")
        #expect(cut.value == 0)
        #expect(cut.details["truncated"] == .bool(true))
        #expect(try await run("length", output: "x", finish: "max_tokens").value == 0)
        let done = try await run("length", output: "x", finish: "stop")
        #expect(done.value == 1)
        #expect(done.details["truncated"] == .bool(false))
        let unknown = try await run("length", output: "x")
        #expect(unknown.value == 1)
        #expect(unknown.details["finishReason"] == .null)
    }

    @Test func registryKnowsTheNewMetrics() {
        for name in ["f1", "rouge-l", "json", "fidelity", "length"] { #expect(MetricRegistry.names.contains(name)) }
    }
}
