import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanHuman
import MizanReport
import MizanSuites

struct SuitesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suites",
        abstract: "List suites (id, version, language tags, task, items, status) with item counts per language tag and task.",
        subcommands: [List.self, Lock.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List suites and item counts.")

        @Option(help: "The prompts folder (default: Prompts/ of the project, found from the current folder or $MIZAN_HOME).")
        var prompts: String?

        @Flag(help: "Also list archived older versions.")
        var all = false

        @Option(help: "Output format: table, md, csv or json (documented in docs/run-json.md).")
        var format: TableFormat = .table

        @Flag(help: "Show long ids, metric lists and status texts whole instead of fitting the table in 120 columns.")
        var wide = false

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                if wide { TableStyle.current.maxWidth = nil }
                let f = format
                let prompts = try promptsFolder(prompts)
                let lock = try SuiteLock.load(promptsDir: prompts)
                let folders = all ? SuiteCatalog.folders(promptsDir: prompts) : try SuiteLoader.discover(promptsDir: prompts)
                // Review coverage comes from the store when there is one (listing suites never creates a store).
                let human = (try? storeOptions.openStore()).flatMap { try? HumanStudies(store: $0) }
                var t = Table(header: ["suite", "version", "languages", "task", "items", "metrics", "released", "reviewed", "status"],
                              fit: [.elastic(min: 14), .fixed, .elastic(min: 10), .fixed, .fixed, .elastic(min: 10), .fixed, .fixed, .secondary(min: 10)])
                var byTag: [String: Int] = [:], byTask: [String: Int] = [:], byTagTask: [String: Int] = [:]
                var json: [JSONValue] = []
                for folder in folders {
                    let s = try SuiteLoader.load(folder: folder)
                    var tags: [String: Int] = [:]
                    for item in s.items { tags[s.language(of: item).description, default: 0] += 1 }
                    if !folder.contains("/versions/") {
                        for (tag, n) in tags {
                            byTag[tag, default: 0] += n
                            byTagTask["\(tag) · \(s.task.rawValue)", default: 0] += n
                        }
                        byTask[s.task.rawValue, default: 0] += s.items.count
                    }
                    let coverage = try? human?.reviewCoverage(suiteID: s.id, suiteVersion: s.version, itemCount: s.items.count)
                    t.rows.append([s.id, s.version, tags.keys.sorted().joined(separator: " "), s.task.rawValue, String(s.items.count),
                                   s.metrics.map(\.name).joined(separator: ","), lock.isReleased(s) ? "yes" : "no",
                                   coverage.map(ReviewStatusText.cell) ?? "–", s.info["status"] ?? ""])
                    json.append(.object([
                        "id": .string(s.id), "version": .string(s.version), "path": .string(folder),
                        "archived": .bool(folder.contains("/versions/")), "task": .string(s.task.rawValue),
                        "items": .number(Double(s.items.count)), "items_by_language": .object(tags.mapValues { .number(Double($0)) }),
                        "metrics": .array(s.metrics.map { .string($0.name) }), "released": .bool(lock.isReleased(s)),
                        "content_hash": .string(s.contentHash), "status": s.info["status"].map { .string($0) } ?? .null,
                        "review": coverage.map { c in .object(["reviewed_items": .number(Double(c.reviewedItems)),
                                                               "items_reviewed_twice": .number(Double(c.itemsWithTwoOrMore)),
                                                               "reviewers": .array(c.reviewers.map { .string($0) })]) } ?? .null,
                    ]))
                }
                if f == .json {
                    func counts(_ d: [String: Int]) -> JSONValue { .object(d.mapValues { .number(Double($0)) }) }
                    print(JSONValue.object(["suites": .array(json), "items_by_language": counts(byTag), "items_by_task": counts(byTask),
                                            "items_by_language_and_task": counts(byTagTask)]).prettyJSON)
                    return
                }
                print(t.render(f), terminator: "")
                if f == .table || f == .md {
                    var counts = Table(header: ["language · task", "items"])
                    counts.rows = byTagTask.keys.sorted().map { [$0, String(byTagTask[$0]!)] }
                    counts.rows += byTag.keys.sorted().map { ["\($0) · all tasks", String(byTag[$0]!)] }
                    counts.rows += byTask.keys.sorted().map { ["all languages · \($0)", String(byTask[$0]!)] }
                    print("")
                    print(counts.render(f), terminator: "")
                }
            }
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lock",
            abstract: "Release every valid suite version not yet in Prompts/suites.lock (records its content hash).")

        @Option(help: "The prompts folder (default: Prompts/ of the project).")
        var prompts: String?

        func run() async throws {
            try await reportingErrors {
                let prompts = try promptsFolder(prompts)
                var lock = try SuiteLock.load(promptsDir: prompts)
                var added: [String] = []
                for folder in SuiteCatalog.folders(promptsDir: prompts) {
                    let s = try SuiteLoader.load(folder: folder)
                    if let v = lock.violation(s, promptsDir: prompts) { throw v }
                    if !lock.isReleased(s) { added.append("\(s.id)@\(s.version)") }
                    if lock.parts[s.id]?[s.version] == nil { lock.release(s) }
                }
                try lock.write(promptsDir: prompts)
                print(added.isEmpty ? "nothing new to release" : "released: \(added.joined(separator: ", "))")
            }
        }
    }
}

/// The prompts folder to use: `--prompts`, else the project's `Prompts/`; a usage error naming where mizan
/// looked when it holds no suite (a missing folder is never taken for an empty one).
func promptsFolder(_ explicit: String?) throws -> String {
    let project = try Project.locate()
    let folder = explicit ?? project.promptsDir
    if (try? SuiteLoader.discover(promptsDir: folder))?.isEmpty ?? true {
        let looked = explicit != nil ? "--prompts \(folder)" : "\(folder) (\(project.whereLooked))"
        throw UsageError("no suites in \(looked); cd into your project, set MIZAN_HOME, or pass --prompts DIR")
    }
    return folder
}
