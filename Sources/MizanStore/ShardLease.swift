import Foundation
import MizanCore
#if canImport(Glibc)
import Glibc
#endif

/// The right of one process to work on one shard of a run (`mizan run --shard i/n`).
///
/// Schedulers deliver at least once, not exactly once: a requeued Slurm task can start while the old one
/// still runs, a restarted Kubernetes pod next to the old pod. Whoever holds a shard's lease sends its items;
/// another process on the same shard waits for the lease and then sends only what is still missing (usually
/// nothing). The lease ends when it is released or when its holder dies, never by a timer:
/// - PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own; the
///   server drops it when that connection closes (process exit, or a lost connection once the server notices).
/// - SQLite: an open-file-description lock (`F_OFD_SETLK`) on one byte of `<store>-lease`, a file beside the
///   store; the kernel drops it when the process exits, however it exits.
public final class ShardLease: @unchecked Sendable {
    // @unchecked Sendable: `end` (not itself Sendable) is read and cleared only inside `Locked`.
    private let end: Locked<(() -> Void)?>

    /// A held lease; `end` gives it up.
    init(end: @escaping () -> Void) { self.end = Locked(end) }

    /// A lease for stores with no other process to exclude (nothing to give up).
    public static func unshared() -> ShardLease { ShardLease {} }

    /// Gives the lease up (once; later calls do nothing).
    public func release() {
        let body = end.withLock { e -> (() -> Void)? in defer { e = nil }; return e }
        body?()
    }

    deinit { end.current?() }

    /// A 63-bit number naming shard `shard` of run `runID` (the advisory-lock key and the lock-file byte).
    static func key(runID: String, shard: Int) -> Int64 {
        let hex = SHA256.hex("mizan shard lease\u{1F}\(runID)\u{1F}\(shard)")
        return Int64(bitPattern: (UInt64(hex.prefix(16), radix: 16) ?? 0) >> 1)
    }
}

extension ShardLease {
    /// Takes the advisory lock of shard `shard` of run `runID` on a new connection of its own, held until `release()`
    /// closes it; nil while another session holds it.
    static func advisoryLock(_ location: PostgresLocation, runID: String, shard: Int) throws -> ShardLease? {
        let connection = try PostgresConnection(location)
        let key = ShardLease.key(runID: runID, shard: shard)
        guard try connection.query("SELECT pg_try_advisory_lock($1)", [.int(Int(key))]).first?[0].int == 1 else { return nil }
        // The closure owns the connection: giving the lease up drops it, and closing the session releases the lock.
        return ShardLease { withExtendedLifetime(connection) {} }
    }

    /// Locks the byte of shard `shard` of run `runID` in `<path>-lease` (created if missing) with an
    /// open-file-description lock; nil while another process holds it.
    static func lockFile(of path: String, runID: String, shard: Int) throws -> ShardLease? {
        if path == ":memory:" || path.isEmpty { return .unshared() }
        let file = path + "-lease"
        let fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.lease, .sqlite, "cannot open the shard lease file '\(file)': \(String(cString: strerror(errno)))",
                             remedy: "the folder of the store must be writable")
        }
        var range = flock()
        range.l_type = Int16(F_WRLCK)
        range.l_whence = Int16(SEEK_SET)
        range.l_start = off_t(ShardLease.key(runID: runID, shard: shard) >> 16)
        range.l_len = 1
        #if os(Linux)
        let command: Int32 = 37   // F_OFD_SETLK (Linux ≥ 3.15): owned by this open file, not by the process
        #else
        let command = F_SETLK
        #endif
        guard fcntl(fd, command, &range) == 0 else {
            let code = errno
            close(fd)
            if code == EAGAIN || code == EACCES { return nil }
            throw StoreError(.lease, .sqlite, "cannot lock the shard lease file '\(file)': \(String(cString: strerror(code)))")
        }
        return ShardLease { close(fd) }
    }
}
