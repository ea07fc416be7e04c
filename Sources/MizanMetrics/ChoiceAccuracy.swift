import Foundation
import MizanCore
import MizanText

/// Multiple-choice accuracy. Accepts Latin labels A–E, Arabic labels أ ب ج د هـ, Western and
/// Arabic-Indic digits 1–5, and the text of a choice. An answer that names no single choice is
/// invalid: scored 0 and flagged `valid: false`, so the invalid-answer rate can be reported.
public struct ChoiceAccuracy: Metric {
    public var name: String { "choice" }
    public var version: String { "choice/1" }

    public init(spec: MetricSpec) throws {}

    /// Label spellings per choice index.
    static let labels: [[String]] = [
        ["a", "أ", "ا", "1", "١", "۱"],
        ["b", "ب", "2", "٢", "۲"],
        ["c", "ج", "3", "٣", "۳"],
        ["d", "د", "4", "٤", "۴"],
        ["e", "هـ", "ه", "5", "٥", "۵"],
    ]

    public func score(_ input: MetricInput) async throws -> MetricResult {
        guard let choices = input.choices, let answer = input.answerIndex else {
            return MetricResult(value: nil, error: "item \(input.itemID) has no choices/answer")
        }
        let predicted = ChoiceAccuracy.parse(input.output, choices: choices, language: input.language)
        var details: [String: JSONValue] = ["valid": .bool(predicted != nil)]
        if let predicted { details["predicted"] = .number(Double(predicted)) }
        return MetricResult(value: predicted == answer ? 1 : 0, details: details)
    }

    /// The chosen index, or nil when the output names no single choice.
    public static func parse(_ output: String, choices: [String], language: LanguageTag) -> Int? {
        let n = Normalizers.make(.l1, for: language)
        let text = n.normalize(output).lowercased()
        let tokens = text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        let count = min(choices.count, labels.count)
        func labelIndex(_ token: String) -> Int? {
            (0..<count).first { labels[$0].contains(token) }
        }
        // 1. The answer is a bare label, possibly decorated ("(B)", "B.", "ب)").
        if tokens.count == 1, let i = labelIndex(tokens[0]) { return i }
        // 2. The answer equals one choice's text.
        let normalizedChoices = choices.map { n.normalize($0).lowercased() }
        let trimmed = text.trimmingCharacters(in: .punctuationCharacters.union(.whitespaces))
        if let i = normalizedChoices.firstIndex(of: trimmed) { return i }
        // 3. The answer starts with a label followed by punctuation ("B) Rabat", "ج. الرباط").
        if let first = tokens.first, let i = labelIndex(first) {
            let afterLabel = text.drop(while: { $0.isWhitespace || $0 == "(" || $0 == "[" }).dropFirst(first.count)
            if let next = afterLabel.first, [")", ".", ":", "]", "-", "،", ","].contains(next) { return i }
        }
        // 4. Exactly one choice's text appears in the answer.
        let mentioned = normalizedChoices.indices.filter { !normalizedChoices[$0].isEmpty && text.contains(normalizedChoices[$0]) }
        if mentioned.count == 1 { return mentioned[0] }
        // 5. "answer: X" / "الجواب: X" / "réponse : X" — a label right after a colon.
        if let colon = text.lastIndex(where: { $0 == ":" }) {
            let rest = text[text.index(after: colon)...].split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            if let t = rest.first, let i = labelIndex(String(t)) { return i }
        }
        return nil
    }
}
