#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on the monotonic clock: the one clock for durations, latencies, deadlines and rate limits.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Seconds since 1970 on the wall clock (UTC), for timestamps.
public func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// The current time as ISO-8601 UTC with `fractionDigits` decimals of a second (`2026-11-23T14:05:09.123Z`):
/// the one timestamp formatter. Formatted by hand: Foundation's date formatters load ICU, which costs
/// megabytes of memory on every run.
public func isoNow(fractionDigits: Int = 3) -> String { isoTimestamp(wallClockSeconds(), fractionDigits: fractionDigits) }

/// `seconds` since 1970 as ISO-8601 UTC with `fractionDigits` (0–9) decimals of a second.
public func isoTimestamp(_ seconds: Double, fractionDigits: Int = 3) -> String {
    let whole = seconds.rounded(.down)
    var t = time_t(whole)
    var parts = tm()
    gmtime_r(&t, &parts)
    func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    var out = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
        + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
    if fractionDigits > 0 {
        var scale = 1.0
        for _ in 0..<min(fractionDigits, 9) { scale *= 10 }
        out += "." + pad(min(Int(((seconds - whole) * scale).rounded(.down)), Int(scale) - 1), min(fractionDigits, 9))
    }
    return out + "Z"
}

/// Seconds since 1970 of an ISO-8601 UTC time as `isoNow` writes it (`…Z`, optional fraction); nil otherwise.
public func isoSeconds(_ text: String) -> Double? {
    let b = Array(text.utf8)
    func num(_ from: Int, _ count: Int) -> Int? {
        guard from + count <= b.count else { return nil }
        var v = 0
        for c in b[from..<(from + count)] {
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }
    guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90,
          let year = num(0, 4), let month = num(5, 2), let day = num(8, 2), let hour = num(11, 2), let minute = num(14, 2),
          let second = num(17, 2) else { return nil }
    var fraction = 0.0
    if b.count > 20 {
        guard b[19] == 46, let f = num(20, b.count - 21) else { return nil }
        var scale = 1.0
        for _ in 0..<(b.count - 21) { scale *= 10 }
        fraction = Double(f) / scale
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    let days = era * 146_097 + doe - 719_468
    return Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
}
