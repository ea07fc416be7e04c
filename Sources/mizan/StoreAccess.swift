import Foundation
import MizanCore
import MizanEndpoints
import MizanStore

extension StoreOptions {
    /// The project (root, config file) this command works in; see `Project`.
    func project() throws -> Project { try Project.locate(explicitConfig: config) }

    /// The loaded configuration file (empty if none).
    func loadConfig() throws -> MizanConfig { try project().loadConfig() }

    /// Where the store is: `--store`, the config's `store:`, or the project's `Results/mizan.sqlite`.
    func storeLocation(_ cfg: MizanConfig? = nil) throws -> String {
        let configured = try cfg ?? loadConfig()
        return try store ?? configured.store ?? project().defaultStore
    }

    /// Opens the store chosen by `--store`, the config, or the default path: a PostgreSQL URL
    /// (`postgres://user@host:5432/db?sslmode=require`, password from PGPASSWORD or PGPASSFILE) or a SQLite file.
    /// Only commands that write runs pass `create: true`; the others refuse a SQLite file that does not exist
    /// (exit 2, naming where they looked) instead of creating an empty store.
    func openStore(_ cfg: MizanConfig? = nil, create: Bool = false) throws -> any ResultStore {
        let configured = try cfg ?? loadConfig()
        let location = try storeLocation(configured)
        if !create && !location.contains("://") && !FileManager.default.fileExists(atPath: location) {
            let source = store != nil ? "given by --store" : configured.store != nil ? "store: in \(configured.file ?? "the config")"
                : "the default store; \(try project().whereLooked)"
            throw UsageError("no store at \(location) (\(source)); a command that only reads never creates one — "
                + "run `mizan run` first, cd into your project, set MIZAN_HOME, or pass --store FILE")
        }
        return try openResultStore(location)
    }
}

import ArgumentParser
import MizanReport

/// `--format table|md|csv|json` parsed (and rejected with the choices) by the argument parser.
extension TableFormat: ExpressibleByArgument {}
