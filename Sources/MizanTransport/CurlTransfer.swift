import CCurl
import Foundation
import MizanCore

/// One in-flight transfer: owns its easy handle, buffers and continuation. Touched by the engine
/// thread while running; handed back to the caller (through the continuation) when done.
final class CurlTransfer: @unchecked Sendable {
    // @unchecked Sendable: owned by one thread at a time (the engine thread while running, then the caller after
    // the continuation hands it back), so its fields are never touched concurrently.
    let request: HTTPRequest
    let id: Int
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body: [UInt8] = []
    var chunks: [ChunkArrival] = []
    var headers: [String: String] = [:]
    var startTime: Double = 0
    var overflowed = false
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Set once; guarded by the engine's lock.
    var continuation: CheckedContinuation<HTTPResponse, any Error>?

    init(request: HTTPRequest, id: Int) {
        self.request = request
        self.id = id
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
    }

    /// Configures an easy handle: `reused` (already `curl_easy_reset`) or a new one. Returns an
    /// error message on failure.
    func configure(reusing reused: UnsafeMutableRawPointer? = nil) -> String? {
        guard let h = reused ?? curl_easy_init() else { return "curl_easy_init failed" }
        easy = h
        let r = request
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK { failures.append("\(what): \(String(cString: curl_easy_strerror(code)))") }
        }
        check(mizan_easy_setopt_string(h, CURLOPT_URL, r.url), "url")
        check(mizan_easy_setopt_long(h, CURLOPT_NOSIGNAL, 1), "nosignal")
        check(mizan_easy_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        check(mizan_easy_setopt_long(h, CURLOPT_FOLLOWLOCATION, 0), "redirects")
        check(mizan_easy_setopt_pointer(h, CURLOPT_ERRORBUFFER, errorBuffer), "errorbuffer")
        if r.freshConnection {
            check(mizan_easy_setopt_long(h, CURLOPT_FRESH_CONNECT, 1), "fresh connect")
            check(mizan_easy_setopt_long(h, CURLOPT_FORBID_REUSE, 1), "forbid reuse")
        }
        check(mizan_easy_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(r.timeouts.connect * 1000)), "connect timeout")
        if let total = r.timeouts.total { check(mizan_easy_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(total * 1000)), "timeout") }
        if let stall = r.timeouts.stall {
            check(mizan_easy_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1), "low speed limit")
            check(mizan_easy_setopt_long(h, CURLOPT_LOW_SPEED_TIME, max(1, Int(stall.rounded(.up)))), "low speed time")
        }
        switch r.proxy {
        case .direct: check(mizan_easy_setopt_string(h, CURLOPT_PROXY, ""), "proxy")
        case .environment: break
        case .url(let u): check(mizan_easy_setopt_string(h, CURLOPT_PROXY, u), "proxy")
        }
        if let ca = r.tls.caBundle { check(mizan_easy_setopt_string(h, CURLOPT_CAINFO, ca), "ca bundle") }
        if let cert = r.tls.clientCert { check(mizan_easy_setopt_string(h, CURLOPT_SSLCERT, cert), "client cert") }
        if let key = r.tls.clientKey { check(mizan_easy_setopt_string(h, CURLOPT_SSLKEY, key), "client key") }
        if r.tls.insecure {
            check(mizan_easy_setopt_long(h, CURLOPT_SSL_VERIFYPEER, 0), "verifypeer")
            check(mizan_easy_setopt_long(h, CURLOPT_SSL_VERIFYHOST, 0), "verifyhost")
        }
        // An empty Expect: header: otherwise curl waits ~1 s for a 100 Continue on large bodies.
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Expect:")
        for (name, value) in r.headers { list = curl_slist_append(list, "\(name): \(value)") }
        headerList = list
        check(mizan_easy_setopt_slist(h, CURLOPT_HTTPHEADER, list), "headers")
        if let body = r.body {
            check(mizan_easy_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
            body.withUnsafeBytes { raw in
                check(mizan_easy_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS,
                                                UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)),
                      "body")
            }
        }
        if r.method != "GET" && !(r.method == "POST" && r.body != nil) {
            check(mizan_easy_setopt_string(h, CURLOPT_CUSTOMREQUEST, r.method), "method")
        }
        // Unretained: the engine holds this transfer (in its registered table) until the easy handle is removed
        // from the multi handle, so curl never calls back with a dangling pointer.
        let me = Unmanaged.passUnretained(self).toOpaque()
        check(mizan_easy_setopt_pointer(h, CURLOPT_WRITEDATA, me), "writedata")
        check(mizan_easy_setopt_pointer(h, CURLOPT_HEADERDATA, me), "headerdata")
        check(mizan_easy_setopt_pointer(h, CURLOPT_PRIVATE, me), "private")
        check(mizan_easy_setopt_write_function(h, curlWriteCallback), "write function")
        check(mizan_easy_setopt_header_function(h, curlHeaderCallback), "header function")
        return failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    /// Hands the easy handle over for reuse, reset to curl's defaults (nil if there is none);
    /// `cleanup()` then frees only the rest.
    func detachResetHandle() -> UnsafeMutableRawPointer? {
        guard let h = easy else { return nil }
        curl_easy_reset(h)
        easy = nil
        return h
    }

    /// Frees curl resources. The engine calls it after removing the handle from the multi handle.
    func cleanup() {
        if let h = easy { curl_easy_cleanup(h) }
        easy = nil
        if let l = headerList { curl_slist_free_all(l) }
        headerList = nil
    }

    /// The curl error message for `code`, preferring the detailed error buffer.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }
}

private let curlWriteCallback: mizan_write_callback = { ptr, size, nmemb, userdata in
    let count = size * nmemb
    guard let ptr, let userdata else { return count }
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    // The cap is checked before the bytes are kept: the transfer is aborted as soon as it would cross it.
    if t.body.count + count > t.request.maxResponseBytes {
        t.overflowed = true
        return 0 // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    t.chunks.append(ChunkArrival(offset: t.body.count, time: monotonicSeconds() - t.startTime))
    ptr.withMemoryRebound(to: UInt8.self, capacity: count) { t.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
    return count
}

private let curlHeaderCallback: mizan_write_callback = { ptr, size, nmemb, userdata in
    let count = size * nmemb
    guard let ptr, let userdata else { return count }
    let t = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    // Byte-level parsing (no Foundation string trimming: this runs for every header of every response).
    let keep = ptr.withMemoryRebound(to: UInt8.self, capacity: count) { p -> Bool in
        let line = UnsafeBufferPointer(start: p, count: count)
        if line.starts(with: "HTTP/".utf8) { t.headers = [:]; return true } // a new response (e.g. after 100 Continue)
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return true }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        var lo = colon + 1, hi = count
        while lo < hi, isSpace(line[lo]) { lo += 1 }
        while hi > lo, isSpace(line[hi - 1]) { hi -= 1 }
        let name = String(decoding: UnsafeBufferPointer(rebasing: line[..<colon]), as: UTF8.self).lowercased()
        let value = String(decoding: UnsafeBufferPointer(rebasing: line[lo..<hi]), as: UTF8.self)
        t.headers[name] = value
        // A body announced larger than the cap is refused before a byte of it is read; one within
        // the cap gets its buffer at once (no doubling past the announced size).
        if name == "content-length", let length = Int(value) {
            if length > t.request.maxResponseBytes { t.overflowed = true; return false }
            t.body.reserveCapacity(length)
        }
        return true
    }
    return keep ? count : 0 // 0 makes curl fail the transfer with CURLE_WRITE_ERROR
}
