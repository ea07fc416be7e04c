import Foundation
import MizanCore

/// `concurrency:` as configured or given with `--concurrency`: a fixed number of requests in flight, or `auto`
/// (`AdaptiveConcurrency` finds the server's knee; docs/concurrency.md).
public enum ConcurrencyChoice: Sendable, Hashable, CustomStringConvertible {
    /// Exactly this many requests in flight.
    case fixed(Int)
    /// Adapted while the run goes (`AdaptiveConcurrency`).
    case auto

    /// Reads `auto` or a positive whole number; nil for anything else.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased() == "auto" { self = .auto; return }
        guard let n = Int(t), n >= 1 else { return nil }
        self = .fixed(n)
    }

    /// `auto` or the number.
    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .auto: return "auto"
        }
    }
}

/// What the adaptive controller measured over one window: the requests started at one limit and finished.
public struct ConcurrencyWindow: Sendable, Hashable {
    /// The limit in force while these requests were started.
    public var limit: Int
    /// Requests finished in the window.
    public var completions: Int
    /// Seconds from the window's start (the limit change) to its last completion.
    public var seconds: Double
    /// Output tokens of the window's answers; nil when an answer reported no count.
    public var outputTokens: Int?
    /// Mean seconds per request.
    public var meanLatency: Double
    /// 429/503 answers (overload signals) in the window.
    public var overloads: Int
    /// Requests in flight, averaged over the window's time, when measured (then throughput follows Little's law).
    public var inFlight: Double?

    /// A window.
    public init(limit: Int, completions: Int, seconds: Double, outputTokens: Int?, meanLatency: Double, overloads: Int,
                inFlight: Double? = nil) {
        self.limit = limit
        self.completions = completions
        self.seconds = seconds
        self.outputTokens = outputTokens
        self.meanLatency = meanLatency
        self.overloads = overloads
        self.inFlight = inFlight
    }

    /// Requests per second: requests in flight ÷ mean latency (Little's law) when the window measured both, else
    /// completions ÷ seconds.
    public var itemsPerSecond: Double {
        if let inFlight, inFlight > 0, meanLatency > 0, completions > 0 { return inFlight / meanLatency }
        return seconds > 0 ? Double(completions) / seconds : 0
    }
    /// Output tokens per second (requests per second × mean output tokens), when every answer reported its count.
    public var tokensPerSecond: Double? {
        outputTokens.map { completions > 0 ? itemsPerSecond * Double($0) / Double(completions) : 0 }
    }
    /// The throughput the controller compares: output tokens/s when known and non-zero, else items/s.
    public var throughput: Double {
        if let t = tokensPerSecond, t > 0 { return t }
        return itemsPerSecond
    }
}

/// The decision logic of `--concurrency auto`, free of clocks and requests (so it is tested on synthetic
/// windows): slow start (double the limit while throughput rises by at least `gain`, 20%), then settle on the
/// smallest limit within `tolerance` of the best throughput seen (the knee), then probe one step up and down
/// in turn every `holdWindows` windows, keeping a step only if it pays (up: throughput +`probeGain`; down: throughput
/// within `tolerance`, i.e. the same throughput at lower latency); each probe that does not pay doubles the hold
/// before the next one (up to 8 × `holdWindows`), one that pays or an overload resets it. An overload signal (429/503) cuts the limit
/// multiplicatively (×0.7 rounded, at least −1) and caps it below the overloaded value; the cap rises by one after
/// `cooldownWindows` clean windows, twice as many after each further overload at the same limit (additive increase,
/// multiplicative decrease). docs/concurrency.md.
public struct ConcurrencyTuner: Sendable {
    /// The smallest limit (1).
    public let minimum = 1
    /// The largest limit tried.
    public let maximum: Int
    /// The limit in force.
    public private(set) var limit: Int
    /// Relative throughput gain that justifies doubling the requests in flight in slow start (0.2: below the knee a
    /// doubling gains far more; at the knee the noise of a short window on a real server reached 10%, and a false
    /// "rising" costs a window at twice the knee).
    public var gain = 0.2
    /// Relative throughput gain that keeps a probe one step up.
    public var probeGain = 0.05
    /// Relative throughput loss accepted for fewer requests in flight.
    public var tolerance = 0.05
    /// Windows held at the settled limit between probes.
    public var holdWindows = 2
    /// Clean windows after a first overload at a limit before the cap rises by one (doubled for each repeat).
    public var cooldownWindows = 8

    private var slowStart = true
    private var measured: [Int: Double] = [:]
    private var base: Int
    private var ceiling: Int
    private var clean = 0
    private var cooldown = 8
    private var overloadsAt: [Int: Int] = [:]
    private var held = 0
    private var hold = 2
    private var probeUpNext = true

    /// A tuner starting at `initial` requests in flight, never above `maximum`.
    public init(initial: Int = 2, maximum: Int = 64) {
        self.maximum = max(1, maximum)
        limit = min(max(1, initial), self.maximum)
        hold = holdWindows
        base = limit
        ceiling = self.maximum
    }

    /// Throughput measured at each limit (exponentially smoothed), for reports and tests.
    public var throughputByLimit: [Int: Double] { measured }

    /// Takes one finished window and returns the next limit with the reason for it.
    public mutating func decide(_ w: ConcurrencyWindow) -> (limit: Int, reason: String) {
        let l = w.limit
        if w.overloads > 0 {
            ceiling = max(minimum, l - 1)
            clean = 0
            // Each overload at the same limit doubles the wait before it is tried again (8, 16, 32, … windows).
            let times = overloadsAt[l, default: 0] + 1
            overloadsAt[l] = times
            cooldown = cooldownWindows << min(times - 1, 6)
            slowStart = false
            measured[l] = 0
            let cut = max(minimum, min(l - 1, Int((Double(l) * 0.7).rounded())))
            base = cut
            held = 0
            hold = holdWindows
            return set(cut, "overload")
        }
        clean += 1
        if clean >= cooldown, ceiling < maximum {
            ceiling += 1
            clean = 0
        }
        let t = w.throughput
        measured[l] = measured[l].map { 0.5 * $0 + 0.5 * t } ?? t
        if slowStart {
            let previous = measured.keys.filter { $0 < l }.max()
            if let previous, let before = measured[previous], t < before * (1 + gain) {
                slowStart = false
                base = knee()
                return set(base, "knee")
            }
            let next = min(maximum, ceiling, l * 2)
            if next == l {
                slowStart = false
                base = l
                return set(l, "hold")
            }
            base = next
            return set(next, "rising")
        }
        if l != base, let reference = measured[base] {
            held = 0
            if l > base, t >= reference * (1 + probeGain) {
                base = l
                hold = holdWindows
                return set(l, "probe up paid")
            }
            if l < base, t >= reference * (1 - tolerance) {
                base = l
                hold = holdWindows
                return set(l, "probe down kept throughput")
            }
            // A probe that did not pay is tried less often: the hold between probes doubles, up to 8 × holdWindows.
            hold = min(hold * 2, holdWindows * 8)
            return set(base, l > base ? "probe up: no gain" : "probe down: lost throughput")
        }
        base = l
        held += 1
        guard held >= hold else { return set(l, "hold") }
        held = 0
        let step = max(1, l / 4)
        let up = probeUpNext
        probeUpNext.toggle()
        let target = up ? min(maximum, ceiling, l + step) : max(minimum, l - step)
        if target == l { return set(l, "hold") }
        return set(target, up ? "probe up" : "probe down")
    }

    /// The smallest measured limit whose throughput is within `tolerance` of the best.
    private func knee() -> Int {
        let best = measured.values.max() ?? 0
        return measured.filter { $0.value >= best * (1 - tolerance) }.keys.min() ?? limit
    }

    private mutating func set(_ l: Int, _ reason: String) -> (limit: Int, reason: String) {
        limit = min(max(minimum, l), maximum)
        return (limit, reason)
    }
}

extension ConcurrencyChoice: ExpressibleByIntegerLiteral {
    /// A fixed concurrency (values below 1 read as 1).
    public init(integerLiteral value: Int) { self = .fixed(max(1, value)) }
}

extension EndpointConfig {
    /// Sets `concurrency` / `autoConcurrency` from a choice.
    public mutating func apply(_ choice: ConcurrencyChoice) {
        switch choice {
        case .fixed(let n):
            concurrency = max(1, n)
            autoConcurrency = false
        case .auto:
            autoConcurrency = true
        }
    }

    /// The configured choice.
    public var concurrencyChoice: ConcurrencyChoice { autoConcurrency ? .auto : .fixed(concurrency) }
}
