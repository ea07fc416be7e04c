import Foundation
import MizanCore

/// The live controller behind `--concurrency auto`: counts the requests started at the current limit as they
/// finish, closes a measurement window after `max(4, 2 × limit)` of them and at least `minimumWindow` seconds (or at
/// once on a 429/503), asks `ConcurrencyTuner` for the next limit and hands it to `apply` (the run's request slots).
/// Requests started before a change are not counted in the next window. Every change is kept for the run manifest.
///
/// A window's throughput is estimated by Little's law: the time-averaged number of requests in flight (every request,
/// whatever its window) divided by the mean time in flight of the window's own requests. Counting completions over
/// the window's wall time instead under-measures higher limits: a window of 2 × L completions spends its first
/// round filling the L places, which is half of it at any L, and the last completion's straggle adds more.
public final class AdaptiveConcurrency: Sendable {
    /// A started request: the window (epoch) it belongs to.
    public struct Ticket: Sendable {
        let epoch: Int
        let start: Double
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
        var inFlight = 0
        var inFlightArea = 0.0
        var lastEvent: Double
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

    /// The fewest completions in a window (at limit L the window needs max(this, 2 × L)).
    public static let minimumCompletions = 4

    /// A controller starting at `initial` (default 2) that never goes above `maximum` (default 64); `apply` is
    /// called with every new limit, outside the controller's lock.
    public init(initial: Int = 2, maximum: Int = 64, apply: @escaping @Sendable (Int) -> Void) {
        let tuner = ConcurrencyTuner(initial: initial, maximum: maximum)
        let now = monotonicSeconds()
        origin = now
        self.initial = tuner.limit
        self.maximum = tuner.maximum
        self.apply = apply
        var s = State(tuner: tuner, windowStart: now, lastCompletion: now, lastEvent: now)
        s.steps.append(RunManifest.Step(time: 0, limit: tuner.limit, from: nil, reason: "start", itemsPerSecond: nil,
                                        tokensPerSecond: nil, latency: nil))
        state = Locked(s)
    }

    /// The limit in force.
    public var limit: Int { state.withLock { $0.tuner.limit } }

    /// Call when a request is about to be sent (after its slot was granted).
    public func started() -> Ticket {
        let now = monotonicSeconds()
        return state.withLock { s in
            Self.advance(&s, to: now)
            s.inFlight += 1
            return Ticket(epoch: s.epoch, start: now)
        }
    }

    /// Adds the requests in flight since the last event to the window's area.
    private static func advance(_ s: inout State, to now: Double) {
        s.inFlightArea += Double(s.inFlight) * max(0, now - s.lastEvent)
        s.lastEvent = max(s.lastEvent, now)
    }

    /// Call when a started request ended without an answer (the run was cancelled).
    public func abandoned(_ ticket: Ticket) {
        let now = monotonicSeconds()
        state.withLock { s in
            Self.advance(&s, to: now)
            s.inFlight = max(0, s.inFlight - 1)
        }
    }

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
            Self.advance(&s, to: now)
            s.inFlight = max(0, s.inFlight - 1)
            guard ticket.epoch == s.epoch else { return nil }
            s.completions += 1
            s.latency += max(1e-6, now - ticket.start)
            s.lastCompletion = now
            if let c = response.usage.completionTokens, response.failure == nil { s.tokens += c } else { s.tokensKnown = false }
            guard s.completions >= max(Self.minimumCompletions, 2 * s.tuner.limit), now - s.windowStart >= Self.minimumWindow
            else { return nil }
            return close(&s, now: now)
        }
        if let change { apply(change) }
    }

    /// Closes the window: the tuner decides; returns the new limit when it changed.
    private func close(_ s: inout State, now: Double) -> Int? {
        let from = s.tuner.limit
        let end = s.overloads > 0 ? now : s.lastCompletion
        Self.advance(&s, to: now)
        let span = max(1e-6, now - s.windowStart)
        let w = ConcurrencyWindow(limit: from, completions: s.completions, seconds: max(1e-6, end - s.windowStart),
                                  outputTokens: s.tokensKnown ? s.tokens : nil,
                                  meanLatency: s.completions > 0 ? s.latency / Double(s.completions) : 0, overloads: s.overloads,
                                  inFlight: s.inFlightArea / span)
        let decision = s.tuner.decide(w)
        s.windows += 1
        s.windowStart = now
        (s.completions, s.tokens, s.tokensKnown, s.latency, s.overloads, s.inFlightArea) = (0, 0, true, 0, 0, 0)
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
