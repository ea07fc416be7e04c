import Foundation
import MizanCore

/// How the columns of a table become item fields.
public struct TableMapping: Sendable {
    /// `generation` (needs `reference`), `multiple-choice` (needs `choices` and `answer`), `loglikelihood` (needs
    /// `target`) or `rolling` (the input is the text).
    public var task: TaskKind
    /// Language tag of the suite (`ary-Arab`, `ary_Arab`, …).
    public var lang: String
    /// Column holding the input text.
    public var input: String
    /// Column holding the reference (generation).
    public var reference: String?
    /// Columns holding the choices in order, or one JSONL field holding a list (multiple choice).
    public var choices: [String]
    /// Column holding the answer: an index, a letter A–E or the choice text (multiple choice).
    public var answer: String?
    /// Whether numeric answers count from 0 or 1.
    public var answerBase: Int
    /// Column holding item ids (default: `row-<n>`).
    public var id: String?
    /// Prompt template (default: `{{input}}`, or question, choices and an answer cue); other `{{column}}`s are copied.
    public var template: String?
    /// Metric names (default: `exact` and `chrf++` for generation, `choice` for multiple choice, the likelihood metrics
    /// of the task for likelihood suites).
    public var metrics: [String]?
    /// How multiple-choice items are answered: `generate` (a label) or `loglikelihood` (each choice scored).
    public var scoring = ScoringMethod.generate
    /// Per-choice continuation template for log-likelihood multiple choice (default `" {{choice}}"`).
    public var continuation: String?
    /// Column holding the continuation to score (`task: loglikelihood`).
    public var target: String?

    /// A mapping; only `task`, `lang` and `input` are required.
    public init(task: TaskKind, lang: String, input: String, reference: String? = nil, choices: [String] = [],
                answer: String? = nil, answerBase: Int = 0, id: String? = nil, template: String? = nil, metrics: [String]? = nil) {
        self.task = task
        self.lang = lang
        self.input = input
        self.reference = reference
        self.choices = choices
        self.answer = answer
        self.answerBase = answerBase
        self.id = id
        self.template = template
        self.metrics = metrics
    }
}

/// Imports a generic CSV (with a header row) or JSON Lines table through a column mapping.
public enum TableImporter {
    /// Reads `file` (`.csv`, `.tsv`, else JSON Lines) and writes the suite.
    public static func run(file: String, mapping m: TableMapping, options: ImportOptions) throws -> ImportResult {
        try SuiteImporter.check(options)
        guard let tag = LanguageTag(m.lang) else {
            throw UsageError("unknown \(CLIFlag.lang) '\(m.lang)'; use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
        }
        switch m.task {
        case .generation where m.reference == nil:
            throw UsageError("\(CLIFlag.task) generation needs \(CLIFlag.reference) COLUMN")
        case .multipleChoice where m.choices.isEmpty || m.answer == nil:
            throw UsageError("\(CLIFlag.task) multiple-choice needs \(CLIFlag.choices) COL1,COL2,… and \(CLIFlag.answer) COLUMN")
        case .loglikelihood where m.target == nil:
            throw UsageError("\(CLIFlag.task) loglikelihood needs \(CLIFlag.target) COLUMN (the continuation to score)")
        default: break
        }
        if m.scoring == .loglikelihood && m.task != .multipleChoice {
            throw UsageError("\(CLIFlag.scoring) loglikelihood applies to \(CLIFlag.task) multiple-choice (loglikelihood and rolling are always scored by log-likelihood)")
        }
        if m.continuation != nil && !(m.task == .multipleChoice && m.scoring == .loglikelihood) {
            throw UsageError("\(CLIFlag.continuation) needs \(CLIFlag.task) multiple-choice \(CLIFlag.scoring) loglikelihood")
        }
        guard m.answerBase == 0 || m.answerBase == 1 else { throw UsageError("\(CLIFlag.answerBase) must be 0 or 1") }
        let (bytes, record) = try SuiteImporter.read(file)
        let rows = try self.rows(bytes, file: file)
        let template = m.template ?? defaultTemplate(m, tag: tag)
        let extra = (PromptRenderer.placeholders(in: template) + PromptRenderer.placeholders(in: m.continuation ?? ""))
            .filter { !["input", "choices", "choice", "label"].contains($0) }
        var items: [JSONValue] = []
        var seen: [String: Int] = [:]
        for (n, row) in rows.enumerated() {
            if let limit = options.limit, items.count >= limit { break }
            func fail(_ field: String, _ problem: String, _ remedy: String) -> InputError {
                InputError(file: file, line: row.line, field: field, problem: problem, remedy: remedy)
            }
            func text(_ column: String) throws -> String {
                guard let v = row.fields[column], v != .null else {
                    throw fail(column, "missing column '\(column)'", "add it, or map another column (present: \(row.fields.keys.sorted().joined(separator: ", ")))")
                }
                guard let s = v.stringValue else { throw fail(column, "column '\(column)' is not text", "write it as a string") }
                return SuiteImporter.nfc(s)
            }
            let id = try m.id.map(text) ?? "row-\(n + 1)"
            if let first = seen[id] { throw fail(m.id ?? "id", "duplicate id '\(id)' (first on line \(first))", "give every row a unique id") }
            seen[id] = row.line
            let input = try text(m.input)
            if input.trimmingCharacters(in: .whitespaces).isEmpty { throw fail(m.input, "empty input", "fill in the input or remove the row") }
            var fields: [String: JSONValue] = ["id": .string(id), "input": .string(input), "source_line": .number(Double(row.line))]
            for column in extra { fields[column] = .string(try text(column)) }
            if m.task == .generation, let ref = m.reference {
                fields["reference"] = .string(try text(ref))
            } else if m.task == .loglikelihood, let target = m.target {
                let t = try text(target)
                if t.isEmpty { throw fail(target, "empty target", "fill in the continuation to score or remove the row") }
                fields["target"] = .string(t)
            } else if m.task == .multipleChoice, let answerColumn = m.answer {
                var choices: [String]
                if m.choices.count == 1, case .array(let list)? = row.fields[m.choices[0]] {
                    choices = try list.map {
                        guard let s = $0.stringValue else { throw fail(m.choices[0], "a choice is not text", "list strings") }
                        return SuiteImporter.nfc(s)
                    }
                } else {
                    choices = try m.choices.map(text)
                    while choices.count > 2, choices.last?.isEmpty == true { choices.removeLast() }
                }
                guard (2...5).contains(choices.count) else {
                    throw fail(m.choices.joined(separator: ","), "\(choices.count) choices; 2 to 5 are needed", "map 2 to 5 choice columns")
                }
                let raw = try text(answerColumn)
                fields["choices"] = .array(choices.map(JSONValue.string))
                fields["answer"] = .number(Double(try answerIndex(raw, choices: choices, base: m.answerBase) { p, r in fail(answerColumn, p, r) }))
            }
            items.append(.object(fields))
        }
        guard !items.isEmpty else { throw InputError(file: file, problem: "the file holds no rows", remedy: "check the file, and that it has a header row (CSV)") }
        let metrics = m.metrics ?? defaultMetrics(m)
        let kind = m.task == .multipleChoice && m.scoring == .loglikelihood ? "log-likelihood multiple-choice" : m.task.rawValue
        var draft = SuiteDraft(
            language: tag, task: m.task,
            description: "\(items.count) \(kind) items in "
                + "\(SuiteImporter.languageNames[tag.description] ?? tag.description), imported from the user's local copy "
                + "(\((file as NSString).lastPathComponent)) by `mizan import table`.",
            importer: "table", files: [record], template: template,
            metrics: metrics.map { ($0, []) }, maxTokens: m.task == .generation ? 256 : 12, items: items)
        if m.task == .multipleChoice { draft.scoring = m.scoring }
        draft.continuation = m.continuation
        return try SuiteImporter.write(draft, options: options)
    }

    /// The template when none is given: the input for generation, loglikelihood and rolling; question, lettered choices
    /// and an answer cue for generated multiple choice; question and answer cue (a cloze) for log-likelihood multiple choice.
    static func defaultTemplate(_ m: TableMapping, tag: LanguageTag) -> String {
        switch m.task {
        case .multipleChoice where m.scoring == .loglikelihood: return "{{input}}\n\(SuiteImporter.answerCue(tag))"
        case .multipleChoice: return "{{input}}\n{{choices}}\n\(SuiteImporter.answerCue(tag))"
        default: return "{{input}}"
        }
    }

    /// The metrics when none are given.
    static func defaultMetrics(_ m: TableMapping) -> [String] {
        switch m.task {
        case .generation: return ["exact", "chrf++"]
        case .multipleChoice where m.scoring == .loglikelihood: return SuiteImporter.choiceLikelihoodMetrics.map(\.name)
        case .multipleChoice: return ["choice"]
        case .loglikelihood: return ["loglikelihood", "is_greedy"]
        case .rolling: return SuiteImporter.rollingMetrics.map(\.name)
        }
    }

    /// The zero-based index an answer cell names: a number (counted from `base`), a letter A–E or أ–هـ, or a choice's text.
    static func answerIndex(_ raw: String, choices: [String], base: Int, fail: (String, String) -> InputError) throws -> Int {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if let n = Int(s) {
            guard (base..<(choices.count + base)).contains(n) else {
                throw fail("answer out of range: \(n) with \(choices.count) choices counted from \(base)",
                           "give \(base)…\(choices.count - 1 + base), or pass \(CLIFlag.answerBase) \(base == 0 ? 1 : 0) if the numbers count from \(base == 0 ? 1 : 0)")
            }
            return n - base
        }
        if let i = PromptRenderer.latinLabels.firstIndex(of: s.uppercased()) ?? PromptRenderer.arabicLabels.firstIndex(of: s) {
            guard i < choices.count else {
                throw fail("answer out of range: '\(s)' with \(choices.count) choices", "give a label among the first \(choices.count)")
            }
            return i
        }
        if let i = choices.firstIndex(of: SuiteImporter.nfc(raw)) ?? choices.firstIndex(of: SuiteImporter.nfc(s)) { return i }
        throw fail("answer '\(raw)' is not an index, a letter A–E or the text of a choice", "fix the answer cell")
    }

    /// The data rows as field maps, each with its line: CSV/TSV by extension (header row first), JSON Lines otherwise.
    static func rows(_ bytes: [UInt8], file: String) throws -> [(line: Int, fields: [String: JSONValue])] {
        let ext = (file as NSString).pathExtension.lowercased()
        guard ext == "csv" || ext == "tsv" else {
            return try SuiteImporter.lines(bytes, file: file).enumerated().compactMap { i, text in
                text.trimmingCharacters(in: .whitespaces).isEmpty ? nil
                    : (i + 1, try SuiteImporter.jsonObject(text, file: file, line: i + 1))
            }
        }
        let records = try CSVParser.parse(bytes, file: file, delimiter: UInt8(ascii: ext == "tsv" ? "\t" : ","))
        guard let header = records.first else { return [] }
        return try records.dropFirst().map { r in
            guard r.fields.count == header.fields.count else {
                throw InputError(file: file, line: r.line, problem: "\(r.fields.count) fields where the header has \(header.fields.count)",
                                 remedy: "quote fields that contain commas, quotes or line breaks")
            }
            var o: [String: JSONValue] = [:]
            for (k, v) in zip(header.fields, r.fields) { o[k] = .string(v) }
            return (r.line, o)
        }
    }
}
