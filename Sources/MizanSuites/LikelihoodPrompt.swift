import Foundation
import MizanCore

/// Renders what a likelihood suite scores (docs/likelihood.md): the context, and the continuations or the whole text.
public enum LikelihoodPrompt {
    /// The context: `prompt.system` (if any), a blank line, then the rendered `prompt.template`.
    public static func context(_ suite: Suite, item: SuiteItem) -> String {
        let r = PromptRenderer.render(suite, item: item)
        return (r.system.map { $0 + "\n\n" } ?? "") + r.user
    }

    /// The continuations to score after the context: one per choice (the `prompt.continuation` template with
    /// `{{choice}}`, `{{label}}` and the item's fields) for multiple choice, the item's `target` for `task: loglikelihood`.
    public static func continuations(_ suite: Suite, item: SuiteItem) -> [String] {
        switch suite.task {
        case .loglikelihood: return [item.fields["target"]?.stringValue ?? ""]
        case .multipleChoice:
            let labels = suite.language(of: item).isArabicScript ? PromptRenderer.arabicLabels : PromptRenderer.latinLabels
            return (item.choices ?? []).enumerated().map { i, choice in
                fill(suite.likelihood.continuationTemplate, item: item, extra: ["choice": choice, "label": i < labels.count ? labels[i] : String(i)])
            }
        default: return []
        }
    }

    /// The labels of an item's choices (A, B, … or أ, ب, … by the item's script), for chat-label scoring.
    public static func labels(_ suite: Suite, item: SuiteItem) -> [String] {
        let labels = suite.language(of: item).isArabicScript ? PromptRenderer.arabicLabels : PromptRenderer.latinLabels
        return Array(labels.prefix(item.choices?.count ?? 0))
    }

    /// `template` with `{{name}}` replaced by `extra[name]`, else the item field `name` (text as is, other values as JSON).
    static func fill(_ template: String, item: SuiteItem, extra: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let v = extra[name] { out += v } else if let v = item.fields[name] { out += v.stringValue ?? v.canonicalJSON }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
