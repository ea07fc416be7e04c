import Foundation
import MizanCore

/// A model server with a capacity knee, for `--concurrency auto`: it works on at most `capacity` requests at a
/// time, each for `serviceSeconds`, and answers with the prompt (echo, usage counted as usual). With `.queue`
/// the rest wait for a free place (throughput rises up to `capacity` requests in flight, then only latency
/// grows: the knee, like llama-server's `--parallel N` slots); with `.reject` the rest get
/// `429 Too Many Requests` with `Retry-After: 0` at once (a rate-limited API). `mizan-testserver --mode knee`
/// and `--mode rate-limited` serve it.
public final class CapacityModel: Sendable {
    /// What happens to a request beyond the capacity.
    public enum Overflow: String, Sendable {
        /// Waits for a free place.
        case queue
        /// Gets a 429 at once.
        case reject
    }

    private struct State {
        var active = 0
        var peak = 0
        var rejected = 0
        var served = 0
    }
    /// Requests worked on at once.
    public let capacity: Int
    /// Seconds each request takes once it is worked on.
    public let serviceSeconds: Double
    /// What happens beyond the capacity.
    public let overflow: Overflow
    private let state = Locked(State())

    /// A model of `capacity` places, `serviceSeconds` per request.
    public init(capacity: Int, serviceSeconds: Double, overflow: Overflow) {
        self.capacity = max(1, capacity)
        self.serviceSeconds = max(0, serviceSeconds)
        self.overflow = overflow
    }

    /// The most requests worked on at once so far (never above `capacity`).
    public var peak: Int { state.current.peak }
    /// Requests answered with 429.
    public var rejected: Int { state.current.rejected }
    /// Requests answered with text.
    public var served: Int { state.current.served }

    /// Answers one request (blocks the connection's thread while queued and while "working").
    public func reply(_ request: TestRequest) -> TestReply {
        let capacity = self.capacity
        switch overflow {
        case .reject:
            let admitted = state.withLock { s -> Bool in
                guard s.active < capacity else { s.rejected += 1; return false }
                s.active += 1
                s.peak = max(s.peak, s.active)
                return true
            }
            if !admitted {
                return .status(429, body: #"{"error":{"message":"rate limited: too many requests in flight"}}"#, headers: ["Retry-After": "0"])
            }
        case .queue:
            _ = state.wait(until: .infinity) { s in
                guard s.active < capacity else { return false }
                s.active += 1
                s.peak = max(s.peak, s.active)
                return true
            }
        }
        if serviceSeconds > 0 { Thread.sleep(forTimeInterval: serviceSeconds) }
        state.withLock { s in
            s.active -= 1
            s.served += 1
        }
        state.broadcast()
        return .completion(TestCompletion(text: request.prompt))
    }
}
