import Foundation
import MizanCore
import MizanMetrics
import MizanYAML

/// Parses `items.jsonl`, collecting every problem with its line. Feed it whole files (`parse`) or
/// one line at a time (`parseLine`, used by the streaming reader); duplicate ids are tracked across lines.
struct ItemsParser {
    let file: String
    let header: SuiteHeader
    private let placeholders: [String]
    private let needsReference: Bool
    private var seen: [String: Int] = [:]

    init(file: String, header: SuiteHeader) {
        self.file = file
        self.header = header
        placeholders = PromptRenderer.placeholders(in: header.template)
            + (header.likelihoodTask == .multipleChoice
                ? PromptRenderer.placeholders(in: header.likelihood.continuationTemplate).filter { $0 != "choice" && $0 != "label" } : [])
        needsReference = header.task == .generation
            && header.metrics.contains { !SuiteLoader.referenceFree.contains($0.name) }
    }

    /// Every item of a whole file.
    mutating func parse(_ data: Data, errors: inout [InputError]) -> [SuiteItem] {
        var items: [SuiteItem] = []
        let reader = LineReader(data: data)
        while let (lineNo, line) = reader.next() {
            parseLine(line, lineNo: lineNo, errors: &errors) { items.append($0) }
        }
        return items
    }

    /// The item(s) of one line (the base item, then its language variants), passed to `emit`.
    mutating func parseLine(_ lineBytes: ArraySlice<UInt8>, lineNo: Int, errors: inout [InputError], emit: (SuiteItem) -> Void) {
        let placeholders = self.placeholders, needsReference = self.needsReference, header = self.header
        do {
            if lineBytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return }
            func fail(_ field: String?, _ problem: String, _ remedy: String) {
                errors.append(InputError(file: file, line: lineNo, field: field, problem: problem, remedy: remedy))
            }
            guard let text = String(validating: lineBytes, as: UTF8.self) else {
                fail(nil, "line is not valid UTF-8", "re-save the file as UTF-8"); return
            }
            let example = "one JSON object per line, e.g. {\"id\": \"1\", \"input\": \"…\", \"reference\": \"…\"}"
            let fields: [String: JSONValue]
            do {
                guard case .object(let object) = try StrictJSON.parse(text) else {
                    fail(nil, "line is valid JSON but not an object", "write " + example); return
                }
                fields = object
            } catch let e as StrictJSON.ParseError {
                // Columns count characters (Unicode scalars) from 1, as editors show them.
                let column = String(decoding: lineBytes.prefix(e.offset), as: UTF8.self).unicodeScalars.count + 1
                fail(nil, "line is not a JSON object: \(e.message) at column \(column)", "fix the JSON there; write " + example)
                return
            } catch {
                fail(nil, "line is not a JSON object: \(error)", "write " + example); return
            }
            guard let baseID = fields["id"]?.stringValue, !baseID.isEmpty else { fail("id", "missing item id", "add a unique \"id\""); return }
            func build(_ fields: [String: JSONValue], id: String) -> SuiteItem? {
                if let first = seen[id] { fail("id", "duplicate item id '\(id)' (first on line \(first))", "give every item a unique id"); return nil }
                seen[id] = lineNo
                guard case .string(let input)? = fields["input"] else { fail("input", "item '\(id)' has no text \"input\"", "add \"input\": \"…\""); return nil }
                var item = SuiteItem(id: id, input: input, fields: fields, line: lineNo)
                if let l = fields["lang"] {
                    guard let raw = l.stringValue, let tag = LanguageTag(raw) else {
                        fail("lang", "unknown language tag '\(l.stringValue ?? "?")'", "use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
                        return nil
                    }
                    item.lang = tag
                }
                switch fields["references"] ?? fields["reference"] {
                case .string(let s)?: item.references = [s]
                case .array(let a)?:
                    let refs = a.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
                    if refs.count != a.count || refs.isEmpty { fail("references", "references must be a non-empty list of strings", "write \"references\": [\"…\", \"…\"]"); return nil }
                    item.references = refs
                case nil: break
                default: fail("reference", "reference must be a string", "write \"reference\": \"…\""); return nil
                }
                if header.task == .multipleChoice {
                    guard case .array(let c)? = fields["choices"], c.count >= 2, c.count <= 5,
                          case let choices = c.compactMap({ $0.stringValue }), choices.count == c.count else {
                        fail("choices", "item '\(id)' needs \"choices\": a list of 2 to 5 strings", "add the options in label order"); return nil
                    }
                    item.choices = choices
                    guard let answer = fields["answer"], let index = Self.answerIndex(answer, choices: choices) else {
                        fail("answer", "item '\(id)' has no valid \"answer\"", "give the zero-based index of the correct choice (0…\(choices.count - 1)), its label (A/أ) or its text")
                        return nil
                    }
                    item.answerIndex = index
                } else if header.task == .loglikelihood {
                    guard case .string(let target)? = fields["target"], !target.isEmpty else {
                        fail("target", "item '\(id)' has no \"target\" text (task loglikelihood scores it as the continuation of the prompt)",
                             "add \"target\": \" …\" (usually starting with a space)")
                        return nil
                    }
                } else if needsReference && item.references.isEmpty {
                    fail("reference", "item '\(id)' has no reference", "add \"reference\" or \"references\" (the metrics \(header.metrics.map(\.name).joined(separator: ", ")) need one)")
                    return nil
                }
                if fields["messages"] != nil, header.likelihoodTask != nil {
                    fail("messages", "item '\(id)': conversation turns are not supported on likelihood suites",
                         "remove \"messages\"; the rendered prompt.template is the whole context")
                    return nil
                } else if let m = fields["messages"] {
                    guard case .array(let turns) = m, turns.allSatisfy({ t in
                        ["system", "user", "assistant"].contains(t["role"]?.stringValue ?? "") && t["content"]?.stringValue != nil
                    }) else {
                        fail("messages", "item '\(id)': messages must be a list of {\"role\": system|user|assistant, \"content\": text}",
                             "fix the conversation turns; the template renders the final user turn")
                        return nil
                    }
                }
                if let missing = placeholders.first(where: { $0 != "choices" && fields[$0] == nil }) {
                    fail(missing, "template uses {{\(missing)}} but item '\(id)' has no field '\(missing)'",
                         "add the field or change prompt.template / prompt.continuation")
                    return nil
                }
                return item
            }
            var base = fields
            base["variants"] = nil
            if let item = build(base, id: baseID) { emit(item) }
            // One prompt per language variant: {"variants": {"ary-Latn": {"input": …, "reference": …}}}
            // adds item "<id>@ary-Latn" in that language, its fields overriding the base item's.
            if let v = fields["variants"] {
                guard case .object(let variants) = v else {
                    fail("variants", "item '\(baseID)': variants must map language tags to field overrides",
                         "write \"variants\": {\"ary-Latn\": {\"input\": \"…\", \"reference\": \"…\"}}")
                    return
                }
                for tag in variants.keys.sorted() {
                    guard case .object(let overrides) = variants[tag]!, LanguageTag(tag) != nil else {
                        fail("variants", "item '\(baseID)': variant '\(tag)' must be a known language tag with an object of fields",
                             "use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
                        continue
                    }
                    var merged = base.merging(overrides) { _, new in new }
                    if overrides["references"] != nil { merged["reference"] = nil }
                    if overrides["reference"] != nil { merged["references"] = nil }
                    merged["lang"] = .string(tag)
                    merged["variant_of"] = .string(baseID)
                    merged["id"] = .string("\(baseID)@\(tag)")
                    if let item = build(merged, id: "\(baseID)@\(tag)") { emit(item) }
                }
            }
        }
    }

    static func answerIndex(_ answer: JSONValue, choices: [String]) -> Int? {
        if let d = answer.doubleValue, d == d.rounded(), Int(d) >= 0, Int(d) < choices.count { return Int(d) }
        guard let s = answer.stringValue else { return nil }
        if let i = PromptRenderer.latinLabels.firstIndex(of: s.uppercased()), i < choices.count { return i }
        if let i = PromptRenderer.arabicLabels.firstIndex(of: s), i < choices.count { return i }
        return choices.firstIndex(of: s)
    }
}
