import Foundation
import MizanCore

/// Imports Belebele-style reading comprehension (JSON Lines: passage, question, four answers) as a multiple-choice suite.
public enum BelebeleImporter {
    /// Reads the JSONL file and writes the suite; `lang` overrides the file's `dialect`/`language` field. With
    /// `scoring: .loglikelihood` the suite uses lm-eval's Belebele prompt (`P:`, `Q:`, lettered answers, `Answer:`) and
    /// scores the continuation `" {{label}}"` (docs/likelihood.md, "Importers, shipped suites and benchmark").
    public static func run(file: String, lang: String? = nil, scoring: ScoringMethod = .generate,
                           options: ImportOptions) throws -> ImportResult {
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
            if scoring == .loglikelihood {
                // lm-eval's prompt strips the question and lists the answers as `A: …` lines: kept as fields for the template.
                fields["input"] = .string(question.trimmingCharacters(in: .whitespacesAndNewlines))
                for (i, c) in choices.enumerated() { fields["mc_answer\(i + 1)"] = .string(c) }
            }
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
        var draft = SuiteDraft(
            language: suiteLang, task: .multipleChoice,
            description: "Belebele-style reading comprehension in \(name): \(items.count) four-option questions on FLORES passages, "
                + "imported from the user's local copy (\((file as NSString).lastPathComponent)) by `mizan import belebele`.",
            importer: "belebele", files: [record],
            template: "{{passage}}\n\n{{input}}\n{{choices}}\n\(SuiteImporter.answerCue(suiteLang))",
            metrics: [("choice", [])], maxTokens: 12, items: items)
        if scoring == .loglikelihood {
            if languages.contains(where: { $0.isArabicScript != suiteLang.isArabicScript }) {
                throw InputError(file: file, problem: "the questions mix Arabic-script and other languages; a log-likelihood suite "
                    + "labels its answers in one script", remedy: "import each language's file separately")
            }
            draft.scoring = .loglikelihood
            draft.continuation = " {{label}}"
            draft.template = belebeleLikelihoodTemplate(labels: suiteLang.isArabicScript ? PromptRenderer.arabicLabels : PromptRenderer.latinLabels)
            draft.metrics = SuiteImporter.choiceLikelihoodMetrics
            draft.description += " Scored by log-likelihood with lm-eval's Belebele prompt: each label is a continuation of the prompt."
        }
        return try SuiteImporter.write(draft, options: options)
    }

    /// lm-eval's Belebele prompt (`lm_eval/tasks/belebele/_default_template_yaml`) with mizan's labels for the items'
    /// script, which are also what `{{label}}` renders: A–D for Latin script (lm-eval's prompt exactly), أ–د for Arabic script.
    static func belebeleLikelihoodTemplate(labels: [String]) -> String {
        "P: {{passage}}\nQ: {{input}}\n" + (1...4).map { "\(labels[$0 - 1]): {{mc_answer\($0)}}" }.joined(separator: "\n") + "\nAnswer:"
    }
}
