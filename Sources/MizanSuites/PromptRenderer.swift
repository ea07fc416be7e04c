import Foundation
import MizanCore

/// Fills a suite's template with an item's fields.
public enum PromptRenderer {
    /// Labels for Latin-script multiple choice.
    public static let latinLabels = ["A", "B", "C", "D", "E"]
    /// Labels for Arabic-script multiple choice.
    public static let arabicLabels = ["أ", "ب", "ج", "د", "هـ"]

    /// Placeholder names used in `template` (`{{name}}`), in order of first use.
    public static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The choices of an item as labelled lines (`A) …` or `أ) …` by the item's script).
    public static func choiceLines(_ choices: [String], language: LanguageTag) -> String {
        let labels = language.isArabicScript ? arabicLabels : latinLabels
        return choices.enumerated().map { "\(labels[$0.offset])) \($0.element)" }.joined(separator: "\n")
    }

    /// Renders the user turn and system prompt for `item`.
    public static func render(_ suite: Suite, item: SuiteItem) -> (system: String?, user: String) {
        var out = ""
        var rest = suite.template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name == "choices", let choices = item.choices {
                out += choiceLines(choices, language: suite.language(of: item))
            } else if let v = item.fields[name] {
                out += v.stringValue ?? v.canonicalJSON
            }
            rest = rest[close.upperBound...]
        }
        out += rest
        return (suite.system, out)
    }
}
