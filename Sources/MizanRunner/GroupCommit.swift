import Foundation
import MizanCore
import MizanEndpoints
import MizanStore

/// Commits finished items to the store on its own thread, batching the ones that finish close
/// together into one transaction (group commit). `commit` returns only once its item's
/// transaction has committed, so an item is never reported done before it is durable. The writer
/// takes a batch when `batchTarget` items wait or 1 ms after the first one arrived, whichever is
/// first; a failed write fails every caller whose item was in it. Call `close()` when no more
/// items will come.
final class GroupCommitter: Sendable {
    private struct State {
        var pending: [(ItemRecord, CheckedContinuation<Void, any Error>)] = []
        var closed = false
        var finished = false
    }
    private let store: any ResultStore
    private let runID: String
    private let batchTarget: Int
    private let state = Locked(State())

    init(store: any ResultStore, runID: String, batchTarget: Int) {
        self.store = store
        self.runID = runID
        self.batchTarget = max(1, batchTarget)
        store.beginBulkWrites()
        let t = Thread { [self] in self.loop() }
        t.name = "mizan-store"
        t.start()
    }

    /// Stores `item`; returns after the transaction holding it has committed.
    func commit(_ item: ItemRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (accepted, wake) = state.withLock { s -> (Bool, Bool) in
                if s.closed { return (false, false) }
                s.pending.append((item, continuation))
                // Wake the writer only when it waits for a first item or its batch is full.
                return (true, s.pending.count == 1 || s.pending.count == batchTarget)
            }
            if !accepted { continuation.resume(throwing: StoreError(.closed, nil, "the run's store writer is closed")); return }
            if wake { state.broadcast() }
        }
    }

    /// Writes what is pending, then stops the writer thread.
    func close() {
        state.withLock { $0.closed = true }
        state.broadcast()
        _ = state.wait(until: .infinity) { $0.finished }
        store.endBulkWrites()
    }

    private func loop() {
        while true {
            _ = state.wait(until: .infinity) { !$0.pending.isEmpty || $0.closed }
            // Up to 1 ms more for a full batch.
            _ = state.wait(until: monotonicSeconds() + 0.001) { $0.pending.count >= batchTarget || $0.closed }
            let batch = state.withLock { s -> [(ItemRecord, CheckedContinuation<Void, any Error>)]? in
                if s.pending.isEmpty && s.closed { s.finished = true; return nil }
                defer { s.pending.removeAll(keepingCapacity: true) }
                return s.pending
            }
            guard let batch else { state.broadcast(); return }
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

/// Bounds the requests in flight to the endpoint's concurrency, apart from the tasks: a task that
/// has its answer and waits for its commit holds no slot, so the next request can start meanwhile.
/// The limit can change while the run goes (`setLimit`, for `--concurrency auto`): a higher one wakes
/// waiters at once; a lower one takes effect as requests in flight finish.
final class RequestSlots: Sendable {
    private struct State {
        var limit: Int
        var inUse = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }
    private let state: Locked<State>

    init(_ count: Int) { state = Locked(State(limit: max(1, count))) }

    /// Waits for a free slot; throws `CancellationError` if the task is cancelled while waiting.
    func acquire() async throws {
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case cancelled, granted, queued }
                let outcome = state.withLock { s -> Outcome in
                    if Task.isCancelled { return .cancelled }
                    if s.inUse < s.limit { s.inUse += 1; return .granted }
                    s.waiters.append((id, continuation))
                    return .queued
                }
                // Resumed outside the lock.
                switch outcome {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .granted: continuation.resume()
                case .queued: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s in s.waiters.firstIndex { $0.id == id }.map { s.waiters.remove(at: $0) } }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Frees a slot (hands it to the longest waiter while the limit allows).
    func release() {
        let granted = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.inUse -= 1
            return Self.grant(&s)
        }
        for c in granted { c.resume() }
    }

    /// Changes the number of slots.
    func setLimit(_ limit: Int) {
        let granted = state.withLock { s -> [CheckedContinuation<Void, any Error>] in
            s.limit = max(1, limit)
            return Self.grant(&s)
        }
        for c in granted { c.resume() }
    }

    private static func grant(_ s: inout State) -> [CheckedContinuation<Void, any Error>] {
        var granted: [CheckedContinuation<Void, any Error>] = []
        while s.inUse < s.limit, !s.waiters.isEmpty {
            s.inUse += 1
            granted.append(s.waiters.removeFirst().continuation)
        }
        return granted
    }
}
