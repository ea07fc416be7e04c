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

/// Prints what an import wrote.
func reportImport(_ r: ImportResult) {
    print("imported \(r.suite.items.count) items into \(r.suite.path)  (\(r.suite.id)@\(r.suite.version), \(r.suite.language), \(r.suite.task.rawValue), \(r.suite.contentHash.prefix(12)))")
    for f in r.files { print("  read \(f.path)  \(f.bytes) bytes  sha256 \(f.sha256)") }
}

/// `mizan import flores`.
struct ImportFlores: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flores",
        abstract: "FLORES-style parallel text: one sentence a line per language → a translation suite.",
        discussion: """
        Looks for DIR/<split>/<code>.<split>, DIR/<code>.<split>, DIR/<split>/<split>.<code>, DIR/<split>.<code>, \
        DIR/<split>/<code>.txt, DIR/<code>.txt (and without an extension). tzm_Tfng and zgh_Tfng name the same data. \
        The suite's language is the target; metrics chrf++ and bleu (tokenize intl for Arabic script and Tifinagh, else 13a).
        """)

    @Option(name: .long, help: "Folder holding the FLORES files.")
    var dir: String

    @Option(name: .long, help: "Source language code, e.g. ary_Arab.")
    var source: String

    @Option(name: .long, help: "Target language code, e.g. fra_Latn.")
    var target: String

    @Option(name: .long, help: "Split: dev or devtest.")
    var split = "devtest"

    @OptionGroup var common: ImportCommonOptions

    func run() async throws {
        try await reportingErrors {
            reportImport(try FloresImporter.run(dir: dir, source: source, target: target, split: split, options: common.options))
        }
    }
}

/// `mizan import belebele`.
struct ImportBelebele: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "belebele",
        abstract: "Belebele-style JSONL (flores_passage, question, mc_answer1…4, correct_answer_num) → a multiple-choice suite.")

    @Option(name: .long, help: "The JSONL file.")
    var file: String

    @Option(name: .long, help: "Language of the items (default: the lines' dialect or language field).")
    var lang: String?

    @OptionGroup var common: ImportCommonOptions

    func run() async throws {
        try await reportingErrors {
            reportImport(try BelebeleImporter.run(file: file, lang: lang, options: common.options))
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

    @Option(name: .long, help: "generation or multiple-choice.")
    var task: String

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
            guard let kind = TaskKind(rawValue: task) else { throw UsageError("--task must be generation or multiple-choice, not '\(task)'") }
            let mapping = TableMapping(
                task: kind, lang: lang, input: input, reference: reference,
                choices: choices?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [],
                answer: answer, answerBase: answerBase, id: idColumn, template: template, metrics: metric.isEmpty ? nil : metric)
            let options = ImportOptions(out: out, id: suiteID, version: suiteVersion, licence: licence,
                                        description: description, limit: limit, force: force)
            reportImport(try TableImporter.run(file: file, mapping: mapping, options: options))
        }
    }
}
