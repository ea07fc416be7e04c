import Foundation
import MizanCore
import MizanStore

/// The HTML of one stored item that both the static report's drill-down and `mizan serve`'s item pages show:
/// its inputs (prompt, references, choices) and an answer (the output, or the error instead), as `<dt>`/`<dd>`
/// pairs of a `<dl>`. One implementation, so the two views escape, mark direction and word errors alike.
public enum ItemMarkup {
    /// Prompt, references and choices. `classes` adds `class="prompt"` / `class="reference"` to the `<pre>`s
    /// (the web app styles them; the report does not).
    public static func inputs(_ item: ItemRecord, classes: Bool) -> String {
        let lang = HTMLExport.langAttributes(item.language)
        let esc = HTMLExport.escape
        var h = "<dt>Prompt</dt><dd><pre\(classes ? " class=\"prompt\"" : "")\(lang)>\(esc(item.prompt))</pre></dd>"
        if !item.references.isEmpty {
            h += "<dt>Reference\(item.references.count > 1 ? "s" : "")</dt><dd>"
            h += item.references.map { "<pre\(classes ? " class=\"reference\"" : "")\(lang)>\(esc($0))</pre>" }.joined() + "</dd>"
        }
        if let choices = item.choices {
            h += "<dt>Choices</dt><dd><ol start=\"0\">" + choices.enumerated().map { i, c in
                "<li><bdi\(lang)>\(esc(c))</bdi>\(i == item.answerIndex ? " ✓" : "")</li>"
            }.joined() + "</ol></dd>"
        }
        return h
    }

    /// The answer of `response` as a `<pre>` (`lang` of the item, `dir="auto"`: a model may answer in another
    /// script than asked), or its error as `<pre class="err">error KIND: MESSAGE</pre>`. `outputClass` adds
    /// `class="output"`.
    public static func answer(_ response: ModelResponse, language: String, outputClass: Bool) -> String {
        let esc = HTMLExport.escape
        if let f = response.failure {
            return "<pre class=\"err\">\(esc("error \(f.kind.rawValue): \(f.message)"))</pre>"
        }
        return "<pre\(outputClass ? " class=\"output\"" : "") lang=\"\(esc(language))\" dir=\"auto\">\(esc(response.text ?? ""))</pre>"
    }

    /// "answer reused from run ID" (or "from an earlier run") for a reused answer, nil for a measured one.
    public static func reusedNote(_ response: ModelResponse) -> String? {
        guard response.reused else { return nil }
        return "answer reused from " + (response.reusedFrom.map { "run \($0)" } ?? "an earlier run")
    }
}
