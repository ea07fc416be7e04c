import Foundation
import MizanCore
import MizanEndpoints
import MizanStore
import MizanSuites

/// How a run schedules its requests: the request slots, and with `--concurrency auto` the controller that moves
/// their limit (docs/concurrency.md).
struct RunScheduling: Sendable {
    /// The request slots every generation request holds while in flight.
    let slots: RequestSlots
    /// The adaptive controller, with `concurrency: auto` (generation suites only).
    let controller: AdaptiveConcurrency?
    /// The most requests that may be in flight (the fixed value, or auto's maximum).
    let ceiling: Int
    /// The fixed concurrency, or auto's starting value.
    let initial: Int

    /// Scheduling for `endpoint`: likelihood suites that must go one at a time use 1; `auto` applies to
    /// generation suites (likelihood suites keep the endpoint's fixed `concurrency`, default 8).
    /// `auto` starts at `serverSlots` (llama.cpp's `total_slots`, 2…64) when the server reports it, else at 2;
    /// `MIZAN_AUTO_INITIAL=N` sets the start (to measure the controller from a given point).
    init(endpoint: EndpointConfig, sequential: Bool, likelihood: Bool, serverSlots: Int? = nil) {
        if endpoint.autoConcurrency && !likelihood && !sequential {
            let forced = ProcessInfo.processInfo.environment["MIZAN_AUTO_INITIAL"].flatMap { Int($0) }.map { min(max(1, $0), 64) }
            let start = forced ?? serverSlots.map { min(max(2, $0), 64) } ?? 2
            let slots = RequestSlots(start)
            let controller = AdaptiveConcurrency(initial: start, maximum: 64) { slots.setLimit($0) }
            self.slots = slots
            self.controller = controller
            ceiling = controller.maximum
            initial = controller.initial
        } else {
            let n = sequential ? 1 : max(1, endpoint.concurrency)
            slots = RequestSlots(n)
            controller = nil
            ceiling = n
            initial = n
        }
    }

    /// Worker tasks: 1.5 times the most requests in flight (those waiting for their commit free their slot).
    var workers: Int { ceiling + (ceiling + 1) / 2 }

    /// The manifest's `concurrency` part: fixed, or auto with the limits chosen so far.
    var manifest: RunManifest.Concurrency {
        controller?.manifest ?? RunManifest.Concurrency(mode: "fixed", initial: initial, maximum: nil, final: initial, windows: nil, steps: nil)
    }

    /// The cache hints for `client` and the manifest's `ordering` part: items go in the suite's order (consecutive
    /// requests share the suite's system prompt and template preamble); a llama.cpp server (its `/props`, as recorded
    /// in the manifest's fingerprint, reports `total_slots`) is also sent `cache_prompt: true` (docs/concurrency.md
    /// says why `id_slot` is not).
    /// With several samples, `block` items go out sample-major (`UnitSource`; `block` is the fixed concurrency, 4 with
    /// auto); `MIZAN_ORDERING=suite` keeps the suite's order (for before/after measurements).
    static func cacheHints(for client: ModelClient, props: JSONValue?, samples: Int, likelihood: Bool, block: Int)
        -> (ModelClient, RunManifest.Ordering) {
        if likelihood { return (client, RunManifest.Ordering(strategy: "suite", window: nil, groups: nil, cachePrompt: nil, slots: nil)) }
        var client = client
        let slots = serverSlots(props)
        if slots != nil { client.cacheHints = ["cache_prompt": .bool(true)] }
        let sent = slots != nil && client.config.params["cache_prompt"] == nil
        let blocked = samples > 1 && block > 1 && ProcessInfo.processInfo.environment["MIZAN_ORDERING"] != "suite"
        return (client, RunManifest.Ordering(strategy: blocked ? "sample-blocks" : "suite", window: blocked ? block : nil, groups: nil,
                                             cachePrompt: sent, slots: slots))
    }

    /// The slot count a llama.cpp server reports in `/props` (`total_slots`), nil for other servers.
    static func serverSlots(_ props: JSONValue?) -> Int? {
        if case .number(let n)? = props?["total_slots"], n >= 1, n == n.rounded(), n < 1e6 { return Int(n) }
        return nil
    }

    /// Writes auto's trajectory into the stored manifest (a run of one process; a shard's processes share one
    /// manifest and keep only the `start` entry written when the run was created).
    func recordTrajectory(store: any ResultStore, runID: String, sharded: Bool) throws {
        guard controller != nil, !sharded else { return }
        var manifest = try store.run(matching: runID).runManifest
        manifest.concurrency = self.manifest
        try store.updateManifest(runID: runID, manifest: manifest.json)
    }
}

extension Runner {
    /// The (item, sample) units of a run: the first `limit` items, `samples` each, minus `skip`. With `block` 1 (or
    /// one sample) item by item, samples of an item together; with `block` B > 1 and several samples, B items at a
    /// time sample-major (sample 0 of the B items, then sample 1, …): a sample then goes out about one round of
    /// requests after the one before it, when the server has its prompt cached and the slot holding it is free
    /// again, instead of K samples of one prompt being processed from scratch at once on K slots.
    struct UnitSource {
        let reader: SuiteItemReader
        var remaining: Int
        let samples: Int
        let skip: Set<String>
        /// Only items of this shard, if set.
        let shard: ShardSpec?
        let block: Int
        var items: [SuiteItem] = []
        var position = 0

        init(reader: SuiteItemReader, limit: Int, samples: Int, skip: Set<String>, shard: ShardSpec? = nil, block: Int = 1) {
            self.reader = reader
            self.shard = shard
            remaining = limit
            self.samples = samples
            self.skip = skip
            self.block = samples > 1 ? max(1, block) : 1
        }

        mutating func next() throws -> (SuiteItem, Int)? {
            while true {
                if position < items.count * samples {
                    // Sample-major over the block: position p is sample p / count of item p % count.
                    let (sample, index) = (position / items.count, position % items.count)
                    position += 1
                    let item = items[index]
                    if !skip.isEmpty && skip.contains("\(item.id)#\(sample)") { continue }
                    return (item, sample)
                }
                items.removeAll(keepingCapacity: true)
                position = 0
                while items.count < block, remaining > 0, let nextItem = try reader.next() {
                    remaining -= 1
                    if let shard, !shard.contains(nextItem.id) { continue }
                    items.append(nextItem)
                }
                if items.isEmpty { return nil }
            }
        }
    }
}

extension Runner {
    /// A retry's wait without holding a request slot: gives the slot up, sleeps, takes one again (`holding` says
    /// whether the task holds one, for the caller's release on the way out).
    static func waitWithoutSlot(_ seconds: Double, slots: RequestSlots, holding: Locked<Bool>) async throws {
        holding.withLock { $0 = false }
        slots.release()
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        try await slots.acquire()
        holding.withLock { $0 = true }
    }
}
