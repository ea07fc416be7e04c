#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MizanCore

/// A request as read off the wire, before body interpretation.
struct RawHTTPRequest {
    var method: String
    var path: String
    var query: String
    var version: String
    var headers: [String: String]
    var body: [UInt8]

    /// Whether the connection may serve another request after this one.
    var keepAlive: Bool {
        let connection = headers["connection"]?.lowercased() ?? ""
        if connection.contains("close") { return false }
        if version == "HTTP/1.0" { return connection.contains("keep-alive") }
        return true
    }
}

/// Why reading a request failed (the connection is then answered with 400/413 or dropped).
enum HTTPReadError: Error {
    /// The peer closed or the socket failed mid-request.
    case closed
    /// The request could not be parsed.
    case malformed(String)
    /// Headers or body exceed the limits.
    case tooLarge
}

/// Blocking HTTP/1.1 I/O on one accepted socket; used by a single thread.
final class HTTPConnection {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    static let maxHeaderBytes = 1 << 20
    static let maxBodyBytes = 1 << 30

    init(fd: Int32) { self.fd = fd }
    deinit { scratch.deallocate() }

    private var available: Int { buffer.count - start }

    /// Receives more bytes into the buffer; false on EOF or error.
    private func fill() -> Bool {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        while true {
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 {
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                return true
            }
            if n < 0, errno == EINTR { continue }
            return false
        }
    }

    /// Index of the first `\r\n\r\n` at or after `from`, or nil.
    private func headerEnd(from: Int) -> Int? {
        var i = max(from, start)
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    /// Ensures at least `count` unconsumed bytes are buffered.
    private func need(_ count: Int) throws(HTTPReadError) {
        while available < count { guard fill() else { throw .closed } }
    }

    /// Reads the next request; nil when the peer closed cleanly between requests.
    func readRequest() throws(HTTPReadError) -> RawHTTPRequest? {
        var scanOffset = 0
        var end: Int?
        while end == nil {
            end = headerEnd(from: start + scanOffset)
            if end != nil { break }
            scanOffset = max(0, available - 3)
            if available > Self.maxHeaderBytes { throw .tooLarge }
            let hadBytes = available > 0
            guard fill() else {
                if hadBytes { throw .closed }
                return nil
            }
        }
        guard let headerEnd = end else { return nil }
        let head = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        start = headerEnd + 4
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        // Tolerate stray empty lines before the request line (RFC 9112 §2.2).
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let requestLine = lines.first else { throw .malformed("empty request") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[2].hasPrefix("HTTP/") else { throw .malformed("bad request line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("bad header line") }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if let old = headers[name] { headers[name] = old + ", " + value } else { headers[name] = value }
        }
        let target = String(parts[1])
        let path: String
        let query: String
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        } else {
            path = target
            query = ""
        }
        var request = RawHTTPRequest(method: String(parts[0]), path: path, query: query,
                                     version: String(parts[2]), headers: headers, body: [])
        request.body = try readBody(headers: headers)
        return request
    }

    /// Reads a `Content-Length` or chunked body, answering `Expect: 100-continue` first when needed.
    private func readBody(headers: [String: String]) throws(HTTPReadError) -> [UInt8] {
        let chunked = headers["transfer-encoding"]?.lowercased().contains("chunked") ?? false
        let length: Int
        if chunked {
            length = -1
        } else if let cl = headers["content-length"] {
            guard let n = Int(cl), n >= 0 else { throw .malformed("bad Content-Length") }
            guard n <= Self.maxBodyBytes else { throw .tooLarge }
            length = n
        } else {
            return []
        }
        if length == 0 { return [] }
        if headers["expect"]?.lowercased() == "100-continue", available == 0 {
            guard send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { throw .closed }
        }
        if length > 0 {
            try need(length)
            let body = Array(buffer[start..<start + length])
            start += length
            return body
        }
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            let sizeText = line.split(separator: ";").first.map { $0.trimmingWhitespace() } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw .malformed("bad chunk size") }
            guard body.count + size <= Self.maxBodyBytes else { throw .tooLarge }
            if size == 0 {
                while try !readLine().isEmpty {}  // trailers, then the empty line
                return body
            }
            try need(size + 2)
            body.append(contentsOf: buffer[start..<start + size])
            start += size + 2
        }
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    private func readLine() throws(HTTPReadError) -> String {
        var i = start
        while true {
            while i + 1 < buffer.count {
                if buffer[i] == 13, buffer[i + 1] == 10 {
                    let line = String(decoding: buffer[start..<i], as: UTF8.self)
                    start = i + 2
                    return line
                }
                i += 1
            }
            if available > 64 * 1024 { throw .malformed("line too long") }
            let offset = i - start
            guard fill() else { throw .closed }
            i = start + offset
        }
    }

    /// Sends all bytes (no SIGPIPE); false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = socketSend(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n; continue }
                if n < 0, errno == EINTR { continue }
                return false
            }
            return true
        }
    }

    /// Sends UTF-8 text.
    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends one HTTP/1.1 chunk of a chunked body.
    @discardableResult
    func sendChunk(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        var out = Array((String(bytes.count, radix: 16) + "\r\n").utf8)
        out.reserveCapacity(out.count + bytes.count + 2)
        out.append(contentsOf: bytes)
        out.append(contentsOf: [13, 10])
        return send(out)
    }

    /// Sends the terminating zero-length chunk.
    @discardableResult
    func endChunks() -> Bool { send(Array("0\r\n\r\n".utf8)) }

    /// Blocks, discarding input, until the peer closes or the socket is shut down.
    func waitForPeerClose() {
        while true {
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 { continue }
            if n < 0, errno == EINTR { continue }
            return
        }
    }

    /// Makes the next `close` send a TCP reset instead of a FIN.
    func armReset() {
        var lingerOption = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOption, socklen_t(MemoryLayout<linger>.size))
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs, as a String.
    func trimmingWhitespace() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// `send(2)` without SIGPIPE (a free function so the method named `send` does not shadow it).
private func socketSend(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    send(fd, pointer, count, Int32(MSG_NOSIGNAL))
}
