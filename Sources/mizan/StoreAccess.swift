import MizanCore
import MizanEndpoints
import MizanStore

extension StoreOptions {
    /// The loaded configuration file (empty if none).
    func loadConfig() throws -> MizanConfig { try MizanConfig.locate(explicit: config) }

    /// Where the store is: `--store`, the config's `store:`, or the default SQLite file.
    func storeLocation(_ cfg: MizanConfig? = nil) throws -> String {
        let configured = try cfg ?? loadConfig()
        return store ?? configured.store ?? "Results/mizan.sqlite"
    }

    /// Opens the store chosen by `--store`, the config, or the default path: a PostgreSQL URL
    /// (`postgres://user@host:5432/db?sslmode=require`, password from PGPASSWORD or PGPASSFILE) or a SQLite file.
    func openStore(_ cfg: MizanConfig? = nil) throws -> any ResultStore {
        try openResultStore(try storeLocation(cfg))
    }
}

import ArgumentParser
import MizanReport

/// `--format table|md|csv|json` parsed (and rejected with the choices) by the argument parser.
extension TableFormat: ExpressibleByArgument {}
