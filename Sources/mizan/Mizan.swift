import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanReport

/// mizan's version, recorded in every run manifest.
let mizanVersion = "0.1.0"

@main
struct Mizan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mizan",
        abstract: "Evaluate models on Moroccan Darija, Arabic, Amazigh and French.",
        discussion: "Exit codes: 0 ok · 1 regression · 2 usage or input error · 3 endpoint errors above budget · 4 internal error · 130 interrupted.",
        version: mizanVersion,
        subcommands: [RunCommand.self, RunsCommand.self, ShowCommand.self, ValidateCommand.self, SuitesCommand.self,
                      ImportCommand.self, ScoreCommand.self, RescoreCommand.self, CompareCommand.self, DiffCommand.self,
                      GateCommand.self, BaselineCommand.self, PushCommand.self, ProbeCommand.self,
                      HumanCommand.self, ReviewCommand.self, ServeCommand.self])

    /// Runs the command; argument errors exit with 2 (mizan's usage-error code) instead of 64.
    static func main() async {
        // Terminal tables fit 120 columns (commands with --wide lift it); bidi isolates only on a terminal.
        TableStyle.current = TableStyle(maxWidth: TableStyle.defaultWidth, isolates: isatty(STDOUT_FILENO) == 1)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options shared by commands that touch the store or the config file.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Store: a SQLite file or postgres://user@host:5432/db?sslmode=require (password in PGPASSWORD or PGPASSFILE; default: config 'store:' or Results/mizan.sqlite).")
    var store: String?

    @Option(name: .long, help: "Config file (default: $MIZAN_CONFIG or ./mizan.yaml).")
    var config: String?
}

/// The endpoint to evaluate and the overrides of its configuration (shared by `run` and `gate`).
struct EndpointChoice: ParsableArguments {
    @Option(help: "Endpoint name from the config file, or a URL such as http://127.0.0.1:8080/v1.")
    var endpoint: String?

    @Option(help: "Endpoint kind: openai-chat, openai-completions or ollama (overrides the config).")
    var api: String?

    @Option(help: "Model name sent to the endpoint (overrides the config).")
    var model: String?

    @Option(help: "Requests in flight at once (overrides the config; default 8).")
    var concurrency: Int?

    /// The kind named by `--api`, or a usage error listing the choices.
    func kind() throws -> EndpointKind? {
        guard let api else { return nil }
        guard let k = EndpointKind(rawValue: api) else {
            throw UsageError("unknown --api '\(api)'; use openai-chat, openai-completions or ollama")
        }
        return k
    }
}

/// Prints to standard error.
func printErr(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Runs `body`, turning user-facing errors into a message on stderr and their exit code.
func reportingErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let e as any UserFacingError {
        printErr("error: \(e)")
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch {
        printErr("internal error: \(error)")
        throw ExitCode(4)
    }
}
