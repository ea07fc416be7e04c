import Foundation
import MizanCore
import MizanMetrics
import MizanYAML

/// Parses `items.jsonl`, collecting every problem with its line.
struct ItemsParser {
    let file: String
    let header: SuiteHeader

    func parse(_ data: Data, errors: inout [InputError]) -> [SuiteItem] {
        var items: [SuiteItem] = []
        var seen: [String: Int] = [:]
        let bytes = [UInt8](data)
        var lineNo = 0
        var start = 0
        let placeholders = PromptRenderer.placeholders(in: header.template)
        let needsReference = header.task == .generation
            && header.metrics.contains { !SuiteLoader.referenceFree.contains($0.name) }
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            lineNo += 1
            let lineBytes = bytes[start..<end]
            start = end + 1
            if lineBytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { if end == bytes.count { break } else { continue } }
            func fail(_ field: String?, _ problem: String, _ remedy: String) {
                errors.append(InputError(file: file, line: lineNo, field: field, problem: problem, remedy: remedy))
            }
            guard let text = String(validating: lineBytes, as: UTF8.self) else {
                fail(nil, "line is not valid UTF-8", "re-save the file as UTF-8"); continue
            }
            guard let json = JSONValue.parse(text), case .object(let fields) = json else {
                fail(nil, "line is not a JSON object", "write one JSON object per line, e.g. {\"id\": \"1\", \"input\": \"…\", \"reference\": \"…\"}")
                continue
            }
            guard let id = fields["id"]?.stringValue, !id.isEmpty else { fail("id", "missing item id", "add a unique \"id\""); continue }
            if let first = seen[id] { fail("id", "duplicate item id '\(id)' (first on line \(first))", "give every item a unique id"); continue }
            seen[id] = lineNo
            guard case .string(let input)? = fields["input"] else { fail("input", "item '\(id)' has no text \"input\"", "add \"input\": \"…\""); continue }
            var item = SuiteItem(id: id, input: input, fields: fields, line: lineNo)
            if let l = fields["lang"] {
                guard let raw = l.stringValue, let tag = LanguageTag(raw) else {
                    fail("lang", "unknown language tag '\(l.stringValue ?? "?")'", "use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
                    continue
                }
                item.lang = tag
            }
            switch fields["references"] ?? fields["reference"] {
            case .string(let s)?: item.references = [s]
            case .array(let a)?:
                let refs = a.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                if refs.count != a.count || refs.isEmpty { fail("references", "references must be a non-empty list of strings", "write \"references\": [\"…\", \"…\"]"); continue }
                item.references = refs
            case nil: break
            default: fail("reference", "reference must be a string", "write \"reference\": \"…\""); continue
            }
            if header.task == .multipleChoice {
                guard case .array(let c)? = fields["choices"], c.count >= 2, c.count <= 5,
                      case let choices = c.compactMap({ $0.stringValue }), choices.count == c.count else {
                    fail("choices", "item '\(id)' needs \"choices\": a list of 2 to 5 strings", "add the options in label order"); continue
                }
                item.choices = choices
                guard let answer = fields["answer"], let index = Self.answerIndex(answer, choices: choices) else {
                    fail("answer", "item '\(id)' has no valid \"answer\"", "give the zero-based index of the correct choice (0…\(choices.count - 1)), its label (A/أ) or its text")
                    continue
                }
                item.answerIndex = index
            } else if needsReference && item.references.isEmpty {
                fail("reference", "item '\(id)' has no reference", "add \"reference\" or \"references\" (the metrics \(header.metrics.map(\.name).joined(separator: ", ")) need one)")
                continue
            }
            if let m = fields["messages"] {
                guard case .array(let turns) = m, turns.allSatisfy({ t in
                    ["system", "user", "assistant"].contains(t["role"]?.stringValue ?? "") && t["content"]?.stringValue != nil
                }) else {
                    fail("messages", "item '\(id)': messages must be a list of {\"role\": system|user|assistant, \"content\": text}",
                         "fix the conversation turns; the template renders the final user turn")
                    continue
                }
            }
            if let missing = placeholders.first(where: { $0 != "choices" && fields[$0] == nil }) {
                fail(missing, "template uses {{\(missing)}} but item '\(id)' has no field '\(missing)'", "add the field or change prompt.template")
                continue
            }
            items.append(item)
        }
        return items
    }

    static func answerIndex(_ answer: JSONValue, choices: [String]) -> Int? {
        if let d = answer.doubleValue, d == d.rounded(), Int(d) >= 0, Int(d) < choices.count { return Int(d) }
        guard let s = answer.stringValue else { return nil }
        if let i = PromptRenderer.latinLabels.firstIndex(of: s.uppercased()), i < choices.count { return i }
        if let i = PromptRenderer.arabicLabels.firstIndex(of: s), i < choices.count { return i }
        return choices.firstIndex(of: s)
    }
}
