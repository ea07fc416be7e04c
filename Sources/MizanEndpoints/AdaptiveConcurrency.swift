import Foundation
import MizanCore

/// The live controller behind `--concurrency auto`: counts the requests started at the current limit as they
/// finish, closes a measurement window after `max(8, 2 × limit)` of them and at least `minimumWindow` seconds (or at
/// once on a 429/503), asks
/// `ConcurrencyTuner` for the next limit and hands it to `apply` (the run's request slots). Requests started
/// before a change are not counted in the next window. Every change is kept for the run manifest.
public final class AdaptiveConcurrency: Sendable {
    /// A started request: the window (epoch) it belongs to.
    public struct Ticket: Sendable {
        let epoch: Int
    }

    private struct State {
        var tuner: ConcurrencyTuner
        var epoch = 0
        var windowStart: Double
        var completions = 0
        var tokens = 0
        var tokensKnown = true
        var latency = 0.0
        var overloads = 0
        var lastCompletion: Double
        var windows = 0
        var steps: [RunManifest.Step] = []
    }

    /// The shortest measurement window in seconds (shorter ones measure scheduling noise more than the server).
    public static let minimumWindow = 0.25
    /// The most steps kept for the manifest (a long run keeps its first ones and the end state).
    public static let stepCap = 500
    private let state: Locked<State>
    private let origin: Double
    private let apply: @Sendable (Int) -> Void
    /// The limit the controller started at.
    public let initial: Int
    /// The largest limit it may choose.
    public let maximum: Int

    /// A controller starting at `initial` (default 2) that never goes above `maximum` (default 64); `apply` is
    /// called with every new limit, outside the controller's lock.
    public init(initial: Int = 2, maximum: Int = 64, apply: @escaping @Sendable (Int) -> Void) {
        let tuner = ConcurrencyTuner(initial: initial, maximum: maximum)
        let now = monotonicSeconds()
        origin = now
        self.initial = tuner.limit
        self.maximum = tuner.maximum
        self.apply = apply
        var s = State(tuner: tuner, windowStart: now, lastCompletion: now)
        s.steps.append(RunManifest.Step(time: 0, limit: tuner.limit, from: nil, reason: "start", itemsPerSecond: nil,
                                        tokensPerSecond: nil, latency: nil))
        state = Locked(s)
    }

    /// The limit in force.
    public var limit: Int { state.withLock { $0.tuner.limit } }

    /// Call when a request is about to be sent (after its slot was granted).
    public func started() -> Ticket { Ticket(epoch: state.withLock { $0.epoch }) }

    /// Call for every 429/503 answer (each attempt, retried or not).
    public func overloaded(_ ticket: Ticket) {
        let change = state.withLock { s -> Int? in
            guard ticket.epoch == s.epoch else { return nil }
            s.overloads += 1
            return close(&s, now: monotonicSeconds())
        }
        if let change { apply(change) }
    }

    /// Call when a request's final answer arrived (after its retries).
    public func finished(_ ticket: Ticket, response: ModelResponse) {
        let now = monotonicSeconds()
        let change = state.withLock { s -> Int? in
            guard ticket.epoch == s.epoch else { return nil }
            s.completions += 1
            s.latency += response.latency
            s.lastCompletion = now
            if let c = response.usage.completionTokens, response.failure == nil { s.tokens += c } else { s.tokensKnown = false }
            guard s.completions >= max(8, 2 * s.tuner.limit), now - s.windowStart >= Self.minimumWindow else { return nil }
            return close(&s, now: now)
        }
        if let change { apply(change) }
    }

    /// Closes the window: the tuner decides; returns the new limit when it changed.
    private func close(_ s: inout State, now: Double) -> Int? {
        let from = s.tuner.limit
        let end = s.overloads > 0 ? now : s.lastCompletion
        let w = ConcurrencyWindow(limit: from, completions: s.completions, seconds: max(1e-6, end - s.windowStart),
                                  outputTokens: s.tokensKnown ? s.tokens : nil,
                                  meanLatency: s.completions > 0 ? s.latency / Double(s.completions) : 0, overloads: s.overloads)
        let decision = s.tuner.decide(w)
        s.windows += 1
        s.windowStart = now
        (s.completions, s.tokens, s.tokensKnown, s.latency, s.overloads) = (0, 0, true, 0, 0)
        guard decision.limit != from else { return nil }
        s.epoch += 1
        if s.steps.count < Self.stepCap {
            s.steps.append(RunManifest.Step(time: Self.rounded(now - origin), limit: decision.limit, from: from, reason: decision.reason,
                                            itemsPerSecond: Self.rounded(w.itemsPerSecond), tokensPerSecond: w.tokensPerSecond.map(Self.rounded),
                                            latency: Self.rounded(w.meanLatency)))
        }
        return decision.limit
    }

    private static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// The manifest's `concurrency` part: the steps so far and the limit in force.
    public var manifest: RunManifest.Concurrency {
        state.withLock { s in
            RunManifest.Concurrency(mode: "auto", initial: initial, maximum: maximum, final: s.tuner.limit, windows: s.windows,
                                    steps: s.steps)
        }
    }
}
