import Foundation
import MizanCore
import MizanStore

/// Feeds committed items into a `SummaryAggregator` during a new run (the run loop calls `add`),
/// so the summary needs no second pass over the store; same result as `Summarizer.summarize(run:store:)`.
public final class LiveSummary: Sendable {
    private let store: any ResultStore
    private let state = Locked<(aggregator: SummaryAggregator?, broken: Bool)>((nil, false))

    /// A summary that reads its run's manifest from `store` when the first item arrives.
    public init(store: any ResultStore) { self.store = store }

    /// Adds a committed item; the first one reads its run's manifest (metrics, samples) from the store.
    public func add(runID: String, _ item: ItemRecord) {
        state.withLock { s in
            if s.aggregator == nil && !s.broken {
                if let run = try? store.run(matching: runID) { s.aggregator = SummaryAggregator(run: run) } else { s.broken = true }
            }
            s.aggregator?.add(item)
        }
    }

    /// The summary of `run` from the items added; nil if none were (or the run could not be read).
    public func summary(of run: RunRecord) -> RunSummary? {
        state.withLock { s in s.broken ? nil : s.aggregator?.summary(run: run) }
    }
}
