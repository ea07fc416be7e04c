import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanGate
import MizanReport
import MizanStore

struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline", abstract: "Save stored runs as a committed-friendly baseline file for `mizan gate`.",
        subcommands: [BaselineSave.self, BaselineShow.self])
}

struct BaselineSave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Write runs (one per suite) to Results/baselines/<name>.json.",
        discussion: """
            The file holds the run records and manifests (suite and template hashes, normalizer and metric versions, \
            seeds) and each item's scores, language, tags, error kind, latency and token counts. Prompts, references \
            and outputs are left out unless --include-text. Secrets never reach it.
            """)

    @Argument(help: ArgumentHelp("Run ids (or unique prefixes), one per suite.", valueName: "run-ids"))
    var runIDs: [String]

    @Option(help: "Baseline name: letters, digits, '.', '_' and '-'.")
    var name: String

    @Option(help: "Folder for the file (default: Results/baselines of the project).")
    var dir: String?

    @Flag(help: "Also keep prompts, references and outputs (makes the file larger; shows item text in gate reports).")
    var includeText = false

    @Flag(help: "Replace an existing baseline of that name.")
    var force = false

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }),
                  !name.hasPrefix(".") else {
                throw UsageError("--name '\(name)' must use letters, digits, '.', '_' and '-' only (it becomes the file name)")
            }
            let store = try storeOptions.openStore()
            let dir = try self.dir ?? storeOptions.project().baselinesDir
            var loaded: [LoadedRun] = []
            for id in runIDs {
                let run = try store.run(matching: id)
                if loaded.contains(where: { $0.run.suiteID == run.suiteID }) {
                    throw UsageError("two runs of suite \(run.suiteID) given; a baseline holds one run per suite")
                }
                let items = try store.items(runID: run.id)
                if run.status != .completed {
                    printErr("note: run \(run.id) is \(run.status), not completed; the baseline holds the \(items.count) items it has")
                }
                loaded.append(LoadedRun(run: run, items: items))
            }
            let path = (dir as NSString).appendingPathComponent(name + ".json")
            if FileManager.default.fileExists(atPath: path) && !force {
                throw UsageError("\(path) exists; pass --force to replace it, or choose another --name")
            }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let baseline = Baseline(name: name, runs: loaded, includesText: includeText, createdAt: isoNow())
            try writeAtomically(baseline.encoded(harnessVersion: mizanVersion), to: path)
            let items = loaded.map(\.items.count).reduce(0, +)
            print("wrote \(path): \(loaded.count) run\(loaded.count == 1 ? "" : "s"), \(items) items" + (includeText ? ", with text" : ""))
        }
    }
}

struct BaselineShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a baseline file's runs and metric means per language.")

    @Argument(help: "Baseline file.")
    var file: String

    @Option(help: "Output format: table, md, csv or json.")
    var format: TableFormat = .table

    func run() async throws {
        try await reportingErrors {
            let baseline = try Baseline.load(path: file)
            let summaries = baseline.runs.map { Summarizer.summarize(run: $0.run, items: $0.items) }
            if format == .json {
                print(JSONValue.object(["name": .string(baseline.name), "created_at": .string(baseline.createdAt),
                                        "includes_text": .bool(baseline.includesText),
                                        "runs": .array(summaries.map(SummaryTables.json))]).prettyJSON)
                return
            }
            print("baseline \(baseline.name) (\(baseline.createdAt)), \(baseline.runs.count) runs")
            print(SummaryTables.acrossRuns(summaries, marks: format != .csv).render(format), terminator: "")
        }
    }
}
