import Foundation
import MizanCore
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites

/// Runs a `RunPlan`'s suites one after another in the terminal: a progress bar per suite, Ctrl-C handling
/// (first press drains, second cancels) and, for a new unsharded run, a summary built as items are committed.
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
        /// The summary built during the run; nil when it was not built or no item was committed.
        var liveSummary: RunSummary?
    }

    /// What to run.
    let plan: RunPlan
    /// Seconds the first Ctrl-C waits for requests in flight before cancelling them; nil leaves Ctrl-C to
    /// its default (the process ends).
    var drainTimeout: Double?
    /// Whether to build the summary of a new, unsharded run as its items are committed.
    var summarizeLive = false

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
            if summarizeLive && plan.resume == nil && plan.shard == nil { request.onStored = { live.add(runID: $0, $1) } }
            request.onLeaseWait = { printErr($0) }
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
            try each(Finished(suite: step.suite, outcome: outcome, record: record, liveSummary: live.summary(of: record)))
            if outcome.status == .interrupted { break }
        }
    }
}
