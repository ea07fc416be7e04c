import ArgumentParser
import Foundation
import MizanCore
import MizanSuites

/// `mizan import`: turns a local copy of a public benchmark into a versioned suite folder.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn your local copy of a public benchmark (FLORES+, Belebele, a CSV/JSONL table) into a suite folder.",
        discussion: """
        mizan never ships these benchmarks' items: the importer reads your copy and records its licence \
        and the sha256 of every file read in suite.yaml. Text is NFC-normalized and otherwise kept byte for byte. \
        The suite is written to a temporary folder next to --out and renamed into place once it validates. \
        Exit codes: 0 ok, 2 usage or input error.
        """,
        subcommands: [ImportFlores.self, ImportBelebele.self, ImportTable.self])
}

/// Options every importer takes.
struct ImportCommonOptions: ParsableArguments {
    @Option(name: .long, help: "Suite folder to create (e.g. Prompts/flores-ary-fra).")
    var out: String

    @Option(name: .long, help: "Suite id (default: the folder name of --out).")
    var id: String?

    @Option(name: .customLong("suite-version"), help: "Suite version, semver (default 1.0.0).")
    var suiteVersion = "1.0.0"

    @Option(name: [.customLong("licence"), .customLong("license")], help: "Licence of your copy, e.g. \"CC BY-SA 4.0\" (required).")
    var licence: String?

    @Option(name: .long, help: "Description written to suite.yaml (default: one made by the importer).")
    var description: String?

    @Option(name: .long, help: "Import only the first N items.")
    var limit: Int?

    @Flag(name: .long, help: "Replace --out if it exists and is not empty.")
    var force = false

    /// The library options these flags stand for.
    var options: ImportOptions {
        ImportOptions(out: out, id: id, version: suiteVersion, licence: licence, description: description, limit: limit, force: force)
    }
}

/// The `--scoring` value as a method, or a usage error naming the choices.
func scoringMethod(_ raw: String) throws -> ScoringMethod {
    guard let s = ScoringMethod(rawValue: raw) else { throw UsageError("--scoring must be generate or loglikelihood, not '\(raw)'") }
    return s
}

/// Prints what an import wrote.
func reportImport(_ r: ImportResult) {
    print("imported \(r.suite.items.count) items into \(r.suite.path)  (\(r.suite.id)@\(r.suite.version), \(r.suite.language), \(r.suite.task.rawValue), \(r.suite.contentHash.prefix(12)))")
    for f in r.files { print("  read \(f.path)  \(f.bytes) bytes  sha256 \(f.sha256)") }
}

/// `mizan import flores`.
struct ImportFlores: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flores",
        abstract: "FLORES-style parallel text: one sentence a line per language → a translation or bits-per-byte suite.",
        discussion: """
        Looks for DIR/<split>/<code>.<split>, DIR/<code>.<split>, DIR/<split>/<split>.<code>, DIR/<split>.<code>, \
        DIR/<split>/<code>.txt, DIR/<code>.txt (and without an extension). tzm_Tfng and zgh_Tfng name the same data. \
        Translation (--source, --target): the suite's language is the target; metrics chrf++ and bleu (tokenize intl for \
        Arabic script and Tifinagh, else 13a). --task rolling --languages A,B,…: one item per sentence per language, each \
        scored as a whole text by log-likelihood; metrics bits_per_byte and byte_perplexity; --limit counts sentences.
        """)

    @Option(name: .long, help: "Folder holding the FLORES files.")
    var dir: String

    @Option(name: .long, help: "Source language code, e.g. ary_Arab (translation).")
    var source: String?

    @Option(name: .long, help: "Target language code, e.g. fra_Latn (translation).")
    var target: String?

    @Option(name: .long, help: "generation (a translation suite, the default) or rolling (bits per byte per language).")
    var task = "generation"

    @Option(name: .long, help: "Comma-separated language codes for --task rolling, e.g. fra_Latn,arb_Arab,ary_Arab,zgh_Tfng.")
    var languages: String?

    @Option(name: .long, help: "Split: dev or devtest.")
    var split = "devtest"

    @OptionGroup var common: ImportCommonOptions

    func run() async throws {
        try await reportingErrors {
            switch task {
            case "rolling":
                guard source == nil, target == nil else { throw UsageError("--task rolling takes --languages, not --source/--target") }
                let codes = (languages ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                reportImport(try FloresImporter.runRolling(dir: dir, languages: codes, split: split, options: common.options))
            case "generation":
                guard let source, let target else { throw UsageError("a translation suite needs --source and --target (or pass --task rolling)") }
                guard languages == nil else { throw UsageError("--languages needs --task rolling") }
                reportImport(try FloresImporter.run(dir: dir, source: source, target: target, split: split, options: common.options))
            default:
                throw UsageError("--task must be generation or rolling, not '\(task)'")
            }
        }
    }
}

/// `mizan import belebele`.
struct ImportBelebele: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "belebele",
        abstract: "Belebele-style JSONL (flores_passage, question, mc_answer1…4, correct_answer_num) → a multiple-choice suite.",
        discussion: """
        --scoring generate (default): the model writes a label. --scoring loglikelihood: lm-eval's Belebele prompt \
        (P: passage, Q: question, the answers as `A: …` lines, `Answer:`), each label scored as the continuation " A", " B", … \
        (labels أ ب ج د for Arabic-script languages); metrics acc, acc_norm, gold_prob, brier.
        """)

    @Option(name: .long, help: "The JSONL file.")
    var file: String

    @Option(name: .long, help: "Language of the items (default: the lines' dialect or language field).")
    var lang: String?

    @Option(name: .long, help: "generate (the model writes a label) or loglikelihood (each label scored by log-likelihood).")
    var scoring = "generate"

    @OptionGroup var common: ImportCommonOptions

    func run() async throws {
        try await reportingErrors {
            reportImport(try BelebeleImporter.run(file: file, lang: lang, scoring: try scoringMethod(scoring), options: common.options))
        }
    }
}

/// `mizan import table`.
struct ImportTable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "A CSV (header row, RFC 4180 quoting), TSV or JSONL table with a column mapping → a suite.")

    @Option(name: .long, help: "The .csv, .tsv or .jsonl file.")
    var file: String

    @Option(name: .long, help: "generation, multiple-choice, loglikelihood (needs --target) or rolling (the input is the text).")
    var task: String

    @Option(name: .long, help: "Multiple choice: generate (the model writes a label) or loglikelihood (each choice scored).")
    var scoring = "generate"

    @Option(name: .long, help: "Per-choice continuation template with --scoring loglikelihood (default \" {{choice}}\"; \" {{label}}\" scores letters).")
    var continuation: String?

    @Option(name: .long, help: "Column holding the continuation to score (--task loglikelihood).")
    var target: String?

    @Option(name: .long, help: "Language tag of the items, e.g. ary-Arab or ary_Arab.")
    var lang: String

    @Option(name: .long, help: "Column holding the input.")
    var input: String

    @Option(name: .long, help: "Column holding the reference (generation).")
    var reference: String?

    @Option(name: .long, help: "Comma-separated choice columns, in order (multiple choice); one JSONL field holding a list also works.")
    var choices: String?

    @Option(name: .long, help: "Column holding the answer: an index, a letter A–E, or the choice text (multiple choice).")
    var answer: String?

    @Option(name: .customLong("answer-base"), help: "Numeric answers count from 0 or 1.")
    var answerBase = 0

    @Option(name: .customLong("id"), help: "Column holding item ids (default: row-<n>).")
    var idColumn: String?

    @Option(name: .long, help: "Prompt template (default: {{input}}, or question, choices and an answer cue).")
    var template: String?

    @Option(name: .long, help: "Metric name; repeat for several (default: exact and chrf++, or choice).")
    var metric: [String] = []

    @Option(name: .long, help: "Suite folder to create.")
    var out: String

    @Option(name: .customLong("suite-id"), help: "Suite id (default: the folder name of --out).")
    var suiteID: String?

    @Option(name: .customLong("suite-version"), help: "Suite version, semver (default 1.0.0).")
    var suiteVersion = "1.0.0"

    @Option(name: [.customLong("licence"), .customLong("license")], help: "Licence of your copy (required).")
    var licence: String?

    @Option(name: .long, help: "Description written to suite.yaml.")
    var description: String?

    @Option(name: .long, help: "Import only the first N items.")
    var limit: Int?

    @Flag(name: .long, help: "Replace --out if it exists and is not empty.")
    var force = false

    func run() async throws {
        try await reportingErrors {
            guard let kind = TaskKind(rawValue: task) else {
                throw UsageError("--task must be generation, multiple-choice, loglikelihood or rolling, not '\(task)'")
            }
            var mapping = TableMapping(
                task: kind, lang: lang, input: input, reference: reference,
                choices: choices?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [],
                answer: answer, answerBase: answerBase, id: idColumn, template: template, metrics: metric.isEmpty ? nil : metric)
            mapping.scoring = try scoringMethod(scoring)
            mapping.continuation = continuation
            mapping.target = target
            let options = ImportOptions(out: out, id: suiteID, version: suiteVersion, licence: licence,
                                        description: description, limit: limit, force: force)
            reportImport(try TableImporter.run(file: file, mapping: mapping, options: options))
        }
    }
}
