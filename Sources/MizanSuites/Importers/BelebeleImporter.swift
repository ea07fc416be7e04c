import Foundation
import MizanCore

/// Imports Belebele-style reading comprehension (JSON Lines: passage, question, four answers) as a multiple-choice suite.
public enum BelebeleImporter {
    /// Reads the JSONL file and writes the suite; `lang` overrides the file's `dialect`/`language` field.
    public static func run(file: String, lang: String? = nil, options: ImportOptions) throws -> ImportResult {
        try SuiteImporter.check(options)
        var forced: LanguageTag?
        if let lang {
            guard let tag = LanguageTag(lang) else {
                throw UsageError("unknown \(CLIFlag.lang) '\(lang)'; use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
            }
            forced = tag
        }
        let (bytes, record) = try SuiteImporter.read(file)
        var items: [JSONValue] = []
        var languages: [LanguageTag] = []
        for (index, text) in try SuiteImporter.lines(bytes, file: file).enumerated() {
            let line = index + 1
            if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if let limit = options.limit, items.count >= limit { break }
            let o = try SuiteImporter.jsonObject(text, file: file, line: line)
            func field(_ name: String) throws -> String {
                guard let v = o[name] else {
                    throw InputError(file: file, line: line, field: name, problem: "missing field '\(name)'",
                                     remedy: "each line needs flores_passage, question, mc_answer1…mc_answer4 and correct_answer_num")
                }
                guard case .string(let s) = v else {
                    throw InputError(file: file, line: line, field: name, problem: "field '\(name)' is not a string", remedy: "write it as a JSON string")
                }
                return SuiteImporter.nfc(s)
            }
            let passage = try field("flores_passage"), question = try field("question")
            let choices = try (1...4).map { try field("mc_answer\($0)") }
            guard let raw = o["correct_answer_num"] else {
                throw InputError(file: file, line: line, field: "correct_answer_num", problem: "missing field 'correct_answer_num'",
                                 remedy: "give the 1-based number of the correct answer (1–4)")
            }
            guard let answerText = raw.stringValue, let n = Int(answerText.trimmingCharacters(in: .whitespaces)), (1...4).contains(n) else {
                throw InputError(file: file, line: line, field: "correct_answer_num",
                                 problem: "answer out of range: '\(raw.stringValue ?? raw.canonicalJSON)' is not 1, 2, 3 or 4",
                                 remedy: "give the 1-based number of the correct answer (1–4)")
            }
            var lineLang = forced
            if lineLang == nil, let code = (o["dialect"] ?? o["language"])?.stringValue {
                guard let tag = LanguageTag(code) else {
                    throw InputError(file: file, line: line, field: o["dialect"] != nil ? "dialect" : "language",
                                     problem: "unknown language '\(code)'", remedy: "pass \(CLIFlag.lang) with one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
                }
                lineLang = tag
            }
            guard let itemLang = lineLang ?? languages.first else {
                throw InputError(file: file, line: line, field: "dialect", problem: "no language: the line has no 'dialect' or 'language' field",
                                 remedy: "pass \(CLIFlag.lang), e.g. \(CLIFlag.lang) ary_Arab")
            }
            languages.append(itemLang)
            var fields: [String: JSONValue] = [
                "id": .string("belebele-\(line)"), "input": .string(question), "passage": .string(passage),
                "choices": .array(choices.map(JSONValue.string)), "answer": .number(Double(n - 1)),
                "source_line": .number(Double(line)),
            ]
            if let q = o["question_number"]?.stringValue { fields["question_number"] = .string(q) }
            if let link = o["link"]?.stringValue { fields["link"] = .string(link) }
            items.append(.object(fields))
        }
        guard let suiteLang = languages.first else {
            throw InputError(file: file, problem: "the file holds no questions", remedy: "check that you pointed at a Belebele JSONL file")
        }
        // Items in another language than the first carry their own `lang`.
        for (i, tag) in languages.enumerated() where tag != suiteLang {
            if case .object(var o) = items[i] { o["lang"] = .string(tag.description); items[i] = .object(o) }
        }
        let name = SuiteImporter.languageNames[suiteLang.description] ?? suiteLang.description
        let draft = SuiteDraft(
            language: suiteLang, task: .multipleChoice,
            description: "Belebele-style reading comprehension in \(name): \(items.count) four-option questions on FLORES passages, "
                + "imported from the user's local copy (\((file as NSString).lastPathComponent)) by `mizan import belebele`.",
            importer: "belebele", files: [record],
            template: "{{passage}}\n\n{{input}}\n{{choices}}\n\(SuiteImporter.answerCue(suiteLang))",
            metrics: [("choice", [])], maxTokens: 12, items: items)
        return try SuiteImporter.write(draft, options: options)
    }
}
