#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MizanCore

/// Why the test server could not start.
public struct TestServerError: Error, CustomStringConvertible {
    /// What failed, with the errno text.
    public let description: String
}

/// A real HTTP/1.1 server on a local port that speaks the model-server dialects mizan talks to
/// (OpenAI chat/completions, Ollama, llama.cpp, TGI) and can inject faults.
///
/// Generation paths (`TestDialect.isGeneration`) are answered by the responder; fingerprint paths
/// (`GET /v1/models`, `/models`, `/props`, `/health`, `/info`, `/api/tags`, `/api/version`, `POST /api/show`)
/// answer on their own and unknown paths get a 404 JSON error, unless `routeAllPathsToResponder` is true:
/// then every request goes to the responder, which can return `.builtin` for the server's own answer.
/// One thread per connection with blocking I/O and keep-alive; `stop()` (also run on deinit) closes
/// everything and waits for the threads.
public final class TestHTTPServer: Sendable {
    private let core: ServerCore
    /// The bound port (the ephemeral one when created with port 0).
    public let port: Int
    /// The host the server listens on.
    public let host: String

    /// Binds and starts serving; `port: 0` picks a free ephemeral port (see `port`).
    public init(host: String = "127.0.0.1", port: UInt16 = 0, routeAllPathsToResponder: Bool = false,
                requestLogLimit: Int = 10_000,
                responder: @escaping @Sendable (TestRequest) -> TestReply) throws {
        let address = host == "localhost" ? "127.0.0.1" : host
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServerError(description: "socket(): \(Self.errnoText())") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &addr.sin_addr) == 1 else {
            close(fd)
            throw TestServerError(description: "not an IPv4 address: \(host)")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw TestServerError(description: "bind(\(host):\(port)): \(text)")
        }
        guard listen(fd, 1024) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw TestServerError(description: "listen(): \(text)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.host = address
        self.core = ServerCore(listenFD: fd, responder: responder, routeAll: routeAllPathsToResponder,
                               logLimit: max(0, requestLogLimit))
        guard core.startAccepting() else {
            core.stop()
            throw TestServerError(description: "could not start the accept thread")
        }
    }

    deinit { core.stop() }

    /// `http://HOST:PORT`, without a trailing slash.
    public var baseURL: String { "http://\(host):\(port)" }
    /// Requests received so far, completed or in flight (thread-safe).
    public var requestCount: Int { core.lock.withLock { core.requestCount } }
    /// The most recent requests received, oldest first (bounded by `requestLogLimit`).
    public var requests: [TestRequest] { core.lock.withLock { Array(core.log.suffix(core.logLimit)) } }
    /// The highest number of simultaneously open connections seen.
    public var maxConcurrentConnections: Int { core.lock.withLock { core.maxConnections } }
    /// The highest number of requests being answered at the same time (idle keep-alive connections excluded).
    public var maxConcurrentRequests: Int { core.lock.withLock { core.maxRequests } }
    /// Connections open right now.
    public var openConnections: Int { core.lock.withLock { core.activeConnections } }
    /// Enormous replies (`TestFault.enormousBody`, `.enormousChunkedBody`) the peer hung up on before their last byte.
    public var repliesCutByPeer: Int { core.lock.withLock { core.repliesCutByPeer } }
    /// Connections accepted so far (with keep-alive, far fewer than requests).
    public var connectionCount: Int { core.lock.withLock { core.connectionCount } }

    /// Clears the request log, the counters and the high-water marks (open connections stay counted).
    public func resetStatistics() {
        core.lock.withLock {
            core.requestCount = 0
            core.connectionCount = 0
            core.repliesCutByPeer = 0
            core.log.removeAll()
            core.maxConnections = core.activeConnections
            core.maxRequests = core.activeRequests
        }
    }

    /// Closes the listener and every connection, then waits for all server threads; idempotent.
    public func stop() { core.stop() }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
