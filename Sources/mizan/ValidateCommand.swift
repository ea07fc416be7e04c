import ArgumentParser
import MizanCore
import MizanSuites

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check suites: format, ids, UTF-8, metrics, language tags, references. Exit 2 on any error.")

    @Argument(help: "Suite folders (default: every suite under Prompts/).")
    var paths: [String] = []

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        try await reportingErrors {
            let folders = paths.isEmpty ? try SuiteLoader.discover() : paths
            guard !folders.isEmpty else { throw UsageError("no suites found under Prompts/; pass suite folders as arguments") }
            var failed = 0
            for folder in folders {
                var errors: [InputError] = []
                let suite = SuiteLoader.loadCollecting(folder: folder, errors: &errors)
                if errors.isEmpty, let suite {
                    if !quiet { print("ok     \(suite.id)@\(suite.version)  \(suite.language)  \(suite.items.count) items  \(suite.contentHash.prefix(12))") }
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
