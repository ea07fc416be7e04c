import Foundation
import MizanCore
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites

/// Runs a `RunPlan`'s suites one after another in the terminal: a progress bar per suite, Ctrl-C handling
/// (first press drains, second cancels), a word on stderr about a shard's progress, and each run's summary.
/// Stops after a suite that ended interrupted.
struct RunSession {
    /// One suite of the plan, run.
    struct Finished {
        /// The suite.
        var suite: Suite
        /// How the run ended.
        var outcome: RunOutcome
        /// The stored run, read back after it ended.
        var record: RunRecord
        /// The run's summary (a shard's: its slice); nil unless `summarize` is set.
        var summary: RunSummary?
    }

    /// What to run.
    let plan: RunPlan
    /// Seconds the first Ctrl-C waits for requests in flight before cancelling them; nil leaves Ctrl-C to
    /// its default (the process ends).
    var drainTimeout: Double?
    /// Whether to summarise each run (a new unsharded one as its items are committed).
    var summarize = false
    /// Adjusts each suite's request before it runs, with the run's control (the sequential gate feeds its
    /// tests from `onStored` and drains the run once they are decided).
    var prepare: ((RunPlan.Step, inout RunRequest, RunControl) -> Void)?
    /// True when a run that ended interrupted was stopped on purpose (a sequential gate's early stop): the next
    /// suite still runs.
    var stoppedOnPurpose: ((RunOutcome) -> Bool)?

    /// Runs every step, calling `each` as each suite's run has ended.
    func execute(_ each: (Finished) throws -> Void) async throws {
        let store = plan.store
        let runner = Runner(store: store, harnessVersion: mizanVersion)
        let interrupt = drainTimeout.map { _ in InterruptHandler() }
        for step in plan.steps {
            let bar = ProgressBar(label: step.suite.id)
            let control = RunControl()
            var request = plan.request(for: step)
            request.control = control
            // A new run is summarised as its items are committed: no second pass over the store. A shard is
            // summarised from the store afterwards: its whole slice, whichever process sent each item.
            let live = LiveSummary(store: store)
            if summarize && plan.resume == nil && plan.shard == nil { request.onStored = { live.add(runID: $0, $1) } }
            request.onLeaseWait = { printErr($0) }
            prepare?(step, &request, control)
            let finalRequest = request
            let task = Task { try await runner.run(finalRequest, progress: { bar.update($0) }) }
            if let interrupt, let drainTimeout {
                interrupt.onInterrupt { presses in
                    if presses == 1 {
                        printErr("\nstopping: no new items; waiting up to \(Int(drainTimeout)) s for requests in flight (Ctrl-C again cancels them)")
                        control.drain()
                        Task {
                            try? await Task.sleep(nanoseconds: UInt64(drainTimeout * 1e9))
                            task.cancel()
                        }
                    } else {
                        printErr("\ncancelling requests in flight")
                        task.cancel()
                    }
                }
            }
            let outcome = try await task.value
            bar.finish()
            let record = try store.run(matching: outcome.runID)
            if let shard = plan.shard { Self.reportShards(store: store, run: record, this: shard, outcome: outcome) }
            let summary = !summarize ? nil : try plan.shard.map { try Self.shardSummary(store: store, run: record, shard: $0) }
                ?? live.summary(of: record) ?? Summarizer.summarize(run: record, store: store)
            try each(Finished(suite: step.suite, outcome: outcome, record: record, summary: summary))
            if outcome.status == .interrupted && stoppedOnPurpose?(outcome) != true { break }
        }
    }

    /// Says on stderr what this process did for its shard and how far the sharded run is.
    static func reportShards(store: any ResultStore, run: RunRecord, this: ShardSpec, outcome: RunOutcome) {
        guard let shards = try? store.shards(runID: run.id) else { return }
        if outcome.total > 0 && outcome.previouslyStored >= outcome.total {
            printErr("shard \(this): nothing to send, all \(outcome.total) of its items were stored before")
        } else if outcome.previouslyStored > 0 {
            printErr("shard \(this): resumed, \(outcome.previouslyStored) of its \(outcome.total) items were stored before")
        }
        let missing = ShardRecord.missing(shards, count: this.count)
        printErr(missing.isEmpty
            ? "shard \(this) done; all \(this.count) shards of run \(run.id) have completed"
            : "shard \(this) of run \(run.id) ended; shards not completed yet: \(missing.map(String.init).joined(separator: ", "))")
    }

    /// The summary of one shard's slice of a sharded run: every stored item of the shard, whichever process (a
    /// first attempt, a requeue) sent it, so the same shard reports the same numbers whatever its history. No wall
    /// time: the run's start and end span every shard, not this one.
    static func shardSummary(store: any ResultStore, run: RunRecord, shard: ShardSpec) throws -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        try store.forEachItem(runID: run.id) { if shard.contains($0.itemID) { aggregator.add($0) } }
        var summary = aggregator.summary(run: run)
        summary.wallSeconds = nil
        return summary
    }
}
