#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, with a condition variable to wait on it: mizan's one lock type.
///
/// The mutex and the condition live in heap memory allocated once by `init`, so their addresses never move
/// (a `pthread_mutex_t` stored inline in a Swift object is not promised a stable address). It is not
/// `Synchronization.Mutex` because that has no condition variable, which the test server needs, and Linux's
/// futex hand-over in it upsets ThreadSanitizer.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is read and written only inside `withLock`/`wait`, with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value

    /// Wraps `value`.
    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines are on the monotonic clock, like `monotonicSeconds()`.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// A copy of the current value.
    public var current: Value { withLock { $0 } }

    /// Wakes every thread waiting in `wait(until:_:)`; call it after changing what they wait for.
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits, lock held, until `ready` is true or `deadline` (in `monotonicSeconds()`) passes; returns `ready`'s last answer.
    public func wait(until deadline: Double, _ ready: (inout Value) -> Bool) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(&value) {
            let now = monotonicSeconds()
            if now >= deadline { return false }
            let target = min(deadline, now + 3600)
            var ts = timespec(tv_sec: Int(target), tv_nsec: Int((target - target.rounded(.down)) * 1e9))
            pthread_cond_timedwait(condition, mutex, &ts)
        }
        return true
    }
}

extension Locked where Value == Void {
    /// A lock that guards state kept elsewhere.
    public convenience init() { self.init(()) }

    /// Runs `body` holding the lock.
    @discardableResult
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        try withLock { (_: inout Void) in try body() }
    }

    /// Waits until `ready` is true or `deadline` passes (see `wait(until:_:)`).
    public func wait(until deadline: Double, _ ready: () -> Bool) -> Bool {
        wait(until: deadline) { (_: inout Void) in ready() }
    }
}
