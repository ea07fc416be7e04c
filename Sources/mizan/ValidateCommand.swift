import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanSuites

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check suites: format, ids, UTF-8, metrics, language tags, references, and that released versions are unchanged. Exit 2 on any error.")

    @Argument(help: "Suite folders, or folders of suites such as Prompts/ (default: every suite under the project's Prompts/, archived versions included).")
    var paths: [String] = []

    @Option(help: "The prompts folder holding suites.lock (default: Prompts/ of the project; a folder of suites given as an argument uses its own suites.lock).")
    var prompts: String?

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        try await reportingErrors {
            var prompts = self.prompts ?? ""
            var folders: [String] = []
            if paths.isEmpty {
                prompts = try promptsFolder(self.prompts)
                folders = SuiteCatalog.folders(promptsDir: prompts)
            }
            for path in paths {
                var isDir: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
                let suiteFile = (path as NSString).appendingPathComponent("suite.yaml")
                if exists, isDir.boolValue, !FileManager.default.fileExists(atPath: suiteFile) {
                    // A folder of suites (Prompts/): every suite under it, checked against its own suites.lock.
                    let inside = SuiteCatalog.folders(promptsDir: path)
                    guard !inside.isEmpty else {
                        throw UsageError("\(path) is neither a suite folder (no suite.yaml) nor a folder of suites (no <id>/suite.yaml inside)")
                    }
                    folders += inside
                    if self.prompts == nil { prompts = path }
                } else {
                    folders.append(path)
                }
            }
            if prompts.isEmpty { prompts = try Project.locate().promptsDir }
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
