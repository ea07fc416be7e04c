#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MizanCore

/// What to do with a connection after answering a request.
enum ConnectionAction {
    /// Serve the next request.
    case keepAlive
    /// Close with a FIN.
    case close
    /// Close with a TCP reset.
    case reset
}

/// The shared state and threads of a `TestHTTPServer`; the threads retain this, not the server,
/// so dropping the server runs its deinit (which stops everything).
final class ServerCore: @unchecked Sendable {
    // @unchecked Sendable: the mutable state below is touched only with `lock` held; the rest is immutable.
    let lock = Locked()
    let listenFD: Int32
    let responder: @Sendable (TestRequest) -> TestReply
    let routeAll: Bool
    let logLimit: Int

    // Guarded by `lock`.
    var stopped = false
    var listenerClosed = false
    var openFDs: Set<Int32> = []
    var threads = 0
    var requestCount = 0
    var repliesCutByPeer = 0
    var connectionCount = 0
    var log: [TestRequest] = []
    var activeConnections = 0
    var maxConnections = 0
    var activeRequests = 0
    var maxRequests = 0
    var nextID = 0

    init(listenFD: Int32, responder: @escaping @Sendable (TestRequest) -> TestReply, routeAll: Bool, logLimit: Int) {
        self.listenFD = listenFD
        self.responder = responder
        self.routeAll = routeAll
        self.logLimit = logLimit
    }

    /// Starts the accept thread; false if it could not be created.
    func startAccepting() -> Bool {
        lock.withLock { threads += 1 }
        guard spawnDetachedThread({ [self] in acceptLoop() }) else {
            lock.withLock { threads -= 1 }
            return false
        }
        return true
    }

    private func threadExited() {
        lock.withLock {
            threads -= 1
            lock.broadcast()
        }
    }

    private func acceptLoop() {
        defer { threadExited() }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 {
                if lock.withLock({ stopped }) { return }
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM { usleep(10_000) }
                continue
            }
            let admitted: Bool = lock.withLock {
                guard !stopped else { return false }
                openFDs.insert(fd)
                threads += 1
                activeConnections += 1
                connectionCount += 1
                maxConnections = max(maxConnections, activeConnections)
                return true
            }
            guard admitted else { close(fd); return }
            if !spawnDetachedThread({ [self] in serve(fd: fd) }) {
                finishConnection(fd: fd, reset: true)
                threadExited()
            }
        }
    }

    private func finishConnection(fd: Int32, reset: Bool) {
        lock.withLock {
            openFDs.remove(fd)
            activeConnections -= 1
        }
        if reset {
            var lingerOption = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOption, socklen_t(MemoryLayout<linger>.size))
        }
        close(fd)
    }

    private func serve(fd: Int32) {
        defer { threadExited() }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connection = HTTPConnection(fd: fd)
        var action = ConnectionAction.close
        while true {
            let raw: RawHTTPRequest
            do {
                guard let next = try connection.readRequest() else { action = .close; break }
                raw = next
            } catch .tooLarge {
                send(connection, 413, body: "{\"error\":{\"message\":\"request too large\"}}", keepAlive: false)
                action = .close
                break
            } catch .malformed(let why) {
                send(connection, 400, body: "{\"error\":{\"message\":\(JSONText.quoted(why))}}", keepAlive: false)
                action = .close
                break
            } catch {
                action = .close
                break
            }
            action = handle(raw, connection)
            if case .keepAlive = action { continue }
            break
        }
        if case .reset = action { finishConnection(fd: fd, reset: true) } else { finishConnection(fd: fd, reset: false) }
    }

    private func handle(_ raw: RawHTTPRequest, _ connection: HTTPConnection) -> ConnectionAction {
        let started = monotonicSeconds()
        let request = TestRequest(method: raw.method, path: raw.path, query: raw.query, headers: raw.headers, body: raw.body)
        let id: Int = lock.withLock {
            requestCount += 1
            if logLimit > 0 {
                log.append(request)
                if log.count > logLimit * 2 { log.removeFirst(log.count - logLimit) }
            }
            activeRequests += 1
            maxRequests = max(maxRequests, activeRequests)
            nextID += 1
            return nextID
        }
        defer { lock.withLock { activeRequests -= 1 } }
        let reply = request.dialect.isGeneration || routeAll ? responder(request) : TestReply.builtin
        let exchange = Exchange(core: self, connection: connection, request: request, id: id,
                                started: started, keepAlive: raw.keepAlive)
        return exchange.perform(reply)
    }

    /// Sends a complete response with a `Content-Length` body; false when the peer is gone.
    @discardableResult
    func send(_ connection: HTTPConnection, _ status: Int, body: String, contentType: String? = nil,
              headers: [String: String] = [:], keepAlive: Bool) -> Bool {
        send(connection, status, body: Array(body.utf8), contentType: contentType ?? Self.guessType(body),
             headers: headers, keepAlive: keepAlive)
    }

    /// Sends a complete response with a `Content-Length` body; false when the peer is gone.
    @discardableResult
    func send(_ connection: HTTPConnection, _ status: Int, body: [UInt8], contentType: String,
              headers: [String: String] = [:], keepAlive: Bool) -> Bool {
        var out = Self.head(status, contentType: contentType, headers: headers, keepAlive: keepAlive,
                            framing: "Content-Length: \(body.count)")
        out.append(contentsOf: body)
        return connection.send(out)
    }

    /// The status line and headers of a response, ending with the blank line.
    static func head(_ status: Int, contentType: String, headers: [String: String], keepAlive: Bool,
                     framing: String) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reason(status))\r\n"
        let overridden = Set(headers.keys.map { $0.lowercased() })
        if !overridden.contains("content-type") { text += "Content-Type: \(contentType)\r\n" }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += framing + "\r\n"
        text += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// JSON when the body looks like JSON, plain text otherwise.
    static func guessType(_ body: String) -> String {
        let first = body.first { !$0.isWhitespace }
        return first == "{" || first == "[" ? "application/json" : "text/plain; charset=utf-8"
    }

    /// The reason phrase of common status codes.
    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 413: return "Payload Too Large"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }

    /// Sleeps up to `seconds`, waking early on `stop()`; true when the server is still running.
    func sleep(_ seconds: Double) -> Bool {
        guard seconds > 0 else { return !lock.withLock { stopped } }
        let deadline = monotonicSeconds() + seconds
        return !lock.wait(until: deadline) { stopped }
    }

    /// Shuts the listener and all connections down and waits (up to 10 s) for every thread to end.
    func stop() {
        // Shut connections down while holding the lock: a connection removes its fd from openFDs
        // under the lock before closing it, so no fd here can already belong to another socket.
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            lock.broadcast()
            _ = shutdown(listenFD, Int32(SHUT_RDWR))
            for fd in openFDs { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
        _ = lock.wait(until: monotonicSeconds() + 10) { threads == 0 }
        let closeListener: Bool = lock.withLock {
            defer { listenerClosed = true }
            return !listenerClosed
        }
        if closeListener { close(listenFD) }
    }
}
