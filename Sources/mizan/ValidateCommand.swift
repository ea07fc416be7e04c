import ArgumentParser
import Foundation
import MizanCore
import MizanSuites

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check suites: format, ids, UTF-8, metrics, language tags, references, and that released versions are unchanged. Exit 2 on any error.")

    @Argument(help: "Suite folders (default: every suite under Prompts/, archived versions included).")
    var paths: [String] = []

    @Option(help: "The prompts folder holding suites.lock.")
    var prompts: String = "Prompts"

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        try await reportingErrors {
            let folders = paths.isEmpty ? SuiteCatalog.folders(promptsDir: prompts) : paths
            guard !folders.isEmpty else { throw UsageError("no suites found under \(prompts)/; pass suite folders as arguments") }
            let lock = try SuiteLock.load(promptsDir: prompts)
            var failed = 0
            var seen: [String: (hash: String, folder: String)] = [:]
            for folder in folders {
                var errors: [InputError] = []
                let suite = SuiteLoader.loadCollecting(folder: folder, errors: &errors)
                if let suite {
                    if let v = lock.violation(suite, promptsDir: prompts) { errors.append(v) }
                    let key = "\(suite.id)@\(suite.version)"
                    if let other = seen[key], other.hash != suite.contentHash {
                        errors.append(InputError(file: folder + "/suite.yaml", field: "version",
                                                 problem: "\(key) also lives in \(other.folder) with different content",
                                                 remedy: "give one of them a new version"))
                    }
                    seen[key] = (suite.contentHash, folder)
                }
                if errors.isEmpty, let suite {
                    let released = lock.isReleased(suite) ? "released" : "not released (run `mizan suites lock`)"
                    if !quiet { print("ok     \(suite.id)@\(suite.version)  \(suite.language)  \(suite.items.count) items  \(suite.contentHash.prefix(12))  \(released)") }
                } else {
                    failed += 1
                    printErr("FAILED \(folder)")
                    for e in errors { printErr("  \(e)") }
                }
            }
            if failed > 0 { throw UsageError("\(failed) of \(folders.count) suites have errors") }
        }
    }
}
