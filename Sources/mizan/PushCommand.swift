import ArgumentParser
import Foundation
import MizanCore
import MizanStore

/// `mizan push`: copy runs from the local store to a shared one.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy runs (items, scores, shard reports) from the local store to another store, e.g. the team's PostgreSQL.",
        discussion: """
        Idempotent: a run the destination already has, identical, is reported "already present" and nothing is written; \
        a run the destination has only part of (pushed while it was still going) is completed. A run whose stored \
        content differs in the destination (e.g. rescored on one side only) is refused (exit 2); nothing is overwritten.
        """)

    @Argument(help: ArgumentHelp("Run ids (or unique prefixes) in the source store.", valueName: "run-ids"))
    var runIDs: [String] = []

    @Flag(help: "Push every run of the source store (those already there are left as they are).")
    var all = false

    @Option(help: "Destination store: postgres://user@host:5432/db?sslmode=require (password in PGPASSWORD or PGPASSFILE) or a SQLite file.")
    var to: String

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            guard runIDs.isEmpty == all else {
                throw UsageError(all ? "give run ids or --all, not both" : "give at least one run id to push (see `mizan runs`), or --all")
            }
            let source = try storeOptions.openStore()
            let sourceLocation = try storeOptions.storeLocation()
            let destination = try openResultStore(to)
            if sourceLocation == to { throw UsageError("--to is the source store itself ('\(to)'); give the shared store") }
            var refused: [String] = []
            for id in all ? try source.runs().reversed().map(\.id) : runIDs {
                do {
                    let (run, outcome) = try StorePush.push(runID: id, from: source, to: destination)
                    switch outcome {
                    case .copied(let n): print("\(run.id): pushed (\(n) items)")
                    case .updated(let n): print("\(run.id): updated (\(n) items added)")
                    case .alreadyPresent: print("\(run.id): already present, nothing to do")
                    }
                } catch let e as PushConflict {
                    printErr("error: \(e)")
                    refused.append(id)
                }
            }
            if !refused.isEmpty {
                printErr("refused: \(refused.joined(separator: ", "))")
                throw ExitCode(2)
            }
        }
    }
}
