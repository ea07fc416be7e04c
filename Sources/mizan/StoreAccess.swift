import MizanCore
import MizanEndpoints
import MizanStore

extension StoreOptions {
    /// The loaded configuration file (empty if none).
    func loadConfig() throws -> MizanConfig { try MizanConfig.locate(explicit: config) }

    /// Opens the store chosen by `--store`, the config, or the default path.
    func openStore(_ cfg: MizanConfig? = nil) throws -> SQLiteStore {
        let configured = try cfg ?? loadConfig()
        let path = store ?? configured.store ?? "Results/mizan.sqlite"
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") {
            throw UsageError("PostgreSQL stores are not supported yet; use a SQLite file path with --store")
        }
        return try SQLiteStore(path: path)
    }
}

import ArgumentParser
import MizanReport

/// `--format table|md|csv|json` parsed (and rejected with the choices) by the argument parser.
extension TableFormat: ExpressibleByArgument {}
