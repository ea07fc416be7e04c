import Foundation
import MizanCore
import MizanEndpoints
import MizanStore

/// Commits finished items to the store, batching the ones that finish together into one
/// transaction (group commit). `commit` returns only once its item is committed, so an item is
/// never reported done before it is durable. The first waiting caller writes the batch on its own
/// thread while the others' items gather for the next batch; a failed write fails every caller
/// whose item was in it.
final class GroupCommitter: @unchecked Sendable {
    private let store: any ResultStore
    private let runID: String
    private let lock = NSLock()
    private var pending: [(ItemRecord, CheckedContinuation<Void, any Error>)] = []
    private var writing = false

    init(store: any ResultStore, runID: String) {
        self.store = store
        self.runID = runID
    }

    /// Stores `item`; returns after the transaction holding it has committed.
    func commit(_ item: ItemRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            pending.append((item, continuation))
            if writing { lock.unlock(); return }
            writing = true
            lock.unlock()
            drain()
        }
    }

    /// Writes batches until nothing is pending.
    private func drain() {
        while true {
            lock.lock()
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            if batch.isEmpty { writing = false; lock.unlock(); return }
            lock.unlock()
            do {
                try store.record(runID: runID, items: batch.map(\.0))
                for (_, c) in batch { c.resume() }
            } catch {
                for (_, c) in batch { c.resume(throwing: error) }
            }
        }
    }
}

/// When a run reuses stored responses instead of sending requests (`--cache` / `--no-cache`).
public enum CacheMode: String, Sendable, CaseIterable {
    /// Reuse only when the request is deterministic: temperature 0, or an explicit seed.
    case auto
    /// Always reuse a stored successful response to the identical request.
    case on
    /// Never reuse: every request is sent.
    case off

    /// Whether a run with these settings reuses responses.
    public func enabled(for settings: GenerationSettings) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto: return settings.temperature == 0 || settings.seed != nil
        }
    }
}
