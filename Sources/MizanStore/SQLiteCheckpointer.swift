import CSQLite
import Foundation
import MizanCore

/// Keeps WAL checkpoints, and the two fsyncs each one costs, off the commit path while a run
/// writes items. With SQLite's automatic checkpoint the commit that fills 16 MiB of WAL copies it
/// into the database and syncs both files before it returns, and every item waiting for that
/// commit waits too: a 100,000-item run spent 1.8 s in 186 fsyncs on the writer's thread, up to
/// 44 ms each. Instead, each commit's WAL hook asks this object's thread for a passive checkpoint
/// (on its own connection, not blocking the writer) every `backgroundStep` pages, so the copying
/// and syncing happen beside the commits. The WAL only starts over from its beginning once a
/// checkpoint has caught up with it and the next write begins, which a background checkpoint
/// racing the commits rarely achieves; so when the WAL reaches `writerLimit` pages the committing
/// thread checkpoints itself, as SQLite would, but by then almost everything is copied already.
/// Durability is unchanged: commits still reach the WAL (the OS) before they return, and
/// checkpoints still sync (synchronous=NORMAL).
final class SQLiteCheckpointer: @unchecked Sendable {
    // @unchecked Sendable: the flags live in a `Locked` value; the connection is used only on the checkpoint thread;
    // `lastRequestAt` only by the committing thread.
    /// WAL pages between background checkpoints (4 MiB).
    static let backgroundStep: Int32 = 1000
    /// WAL pages at which the committing thread checkpoints itself, so the WAL restarts (64 MiB).
    static let writerLimit: Int32 = 16000

    private let connection: SQLiteDatabase
    private let flags = Locked((requested: false, stopping: false, stopped: false))
    /// WAL size at the last request; touched only by the committing thread (inside its commit).
    fileprivate var lastRequestAt: Int32 = 0

    /// Opens a second connection to the store at `path` and starts the checkpoint thread.
    init(path: String) throws {
        connection = try SQLiteDatabase(path: path, cacheKiB: 256)
        let t = Thread { [self] in self.loop() }
        t.name = "mizan-checkpoint"
        t.start()
    }

    /// Asks for a background checkpoint (coalesced with one already asked for).
    fileprivate func request() {
        flags.withLock { $0.requested = true }
        flags.broadcast()
    }

    /// Stops the thread after the checkpoint in progress, if any.
    func stop() {
        flags.withLock { $0.stopping = true }
        flags.broadcast()
        _ = flags.wait(until: .infinity) { $0.stopped }
    }

    private func loop() {
        while true {
            _ = flags.wait(until: .infinity) { $0.requested || $0.stopping }
            let stop = flags.withLock { f -> Bool in
                if f.stopping { f.stopped = true; return true }
                f.requested = false
                return false
            }
            if stop { flags.broadcast(); return }
            connection.checkpointPassive()
        }
    }
}

/// The WAL hook of a connection whose checkpoints a `SQLiteCheckpointer` takes (see there).
let sqliteWALHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { context, db, name, pages in
    guard let context else { return SQLITE_OK }
    let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
    if pages >= SQLiteCheckpointer.writerLimit {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        checkpointer.lastRequestAt = 0
    } else if pages < checkpointer.lastRequestAt {
        checkpointer.lastRequestAt = pages // the WAL started over
    } else if pages - checkpointer.lastRequestAt >= SQLiteCheckpointer.backgroundStep {
        checkpointer.lastRequestAt = pages
        checkpointer.request()
    }
    return SQLITE_OK
}
