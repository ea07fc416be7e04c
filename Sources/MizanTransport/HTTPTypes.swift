/// Timeouts for one request. A streaming request should rely on `stall` rather than `total`.
public struct Timeouts: Sendable, Hashable, Codable {
    /// Seconds allowed to establish the connection (including TLS).
    public var connect: Double
    /// Seconds allowed for the whole transfer; nil for no limit.
    public var total: Double?
    /// Seconds without receiving any byte before the transfer is abandoned; nil for no limit.
    public var stall: Double?

    public init(connect: Double = 10, total: Double? = 300, stall: Double? = 60) {
        self.connect = connect
        self.total = total
        self.stall = stall
    }
}

/// TLS settings. Verification is on unless `insecure` is explicitly set.
public struct TLSOptions: Sendable, Hashable, Codable {
    /// PEM file of CA certificates to trust instead of the system store.
    public var caBundle: String?
    /// PEM client certificate for mutual TLS.
    public var clientCert: String?
    /// PEM private key for the client certificate.
    public var clientKey: String?
    /// Skip certificate and host-name verification. Off by default; never use in production.
    public var insecure: Bool

    public init(caBundle: String? = nil, clientCert: String? = nil, clientKey: String? = nil, insecure: Bool = false) {
        self.caBundle = caBundle
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.insecure = insecure
    }
}

/// Which proxy a request goes through. mizan ignores `*_proxy` environment variables unless told otherwise.
public enum ProxySetting: Sendable, Hashable, Codable {
    /// No proxy, even if `http_proxy`/`https_proxy`/`all_proxy` are set (the default).
    case direct
    /// Honour the `*_proxy` and `no_proxy` environment variables, as curl does.
    case environment
    /// Use this proxy URL.
    case url(String)
}

/// One HTTP request for the transport.
public struct HTTPRequest: Sendable {
    /// Absolute http(s) URL.
    public var url: String
    /// HTTP method.
    public var method: String
    /// Request headers (name, value); never logged.
    public var headers: [(String, String)]
    /// Request body, if any.
    public var body: [UInt8]?
    /// Timeouts.
    public var timeouts: Timeouts
    /// TLS options.
    public var tls: TLSOptions
    /// Proxy choice.
    public var proxy: ProxySetting
    /// Largest response body accepted, in bytes; beyond it the transfer fails as `tooLarge`.
    public var maxResponseBytes: Int
    /// Use a new connection and close it afterwards (for retries: libcurl silently re-sends a request
    /// when a reused keep-alive connection turns out dead — up to 5 times, `CONN_MAX_RETRIES` in 7.88,
    /// with no option to change it — so a retry on a fresh connection is exactly one more request).
    public var freshConnection = false

    public init(url: String, method: String = "GET", headers: [(String, String)] = [], body: [UInt8]? = nil,
                timeouts: Timeouts = .init(), tls: TLSOptions = .init(), proxy: ProxySetting = .direct,
                maxResponseBytes: Int = 64 << 20) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.tls = tls
        self.proxy = proxy
        self.maxResponseBytes = maxResponseBytes
    }
}

/// When a slice of the response body arrived (for time to first token and inter-token times).
public struct ChunkArrival: Sendable, Hashable {
    /// Byte offset in the body where the chunk starts.
    public var offset: Int
    /// Seconds since the request was handed to curl.
    public var time: Double
}

/// A completed HTTP exchange (any status).
public struct HTTPResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// Response headers, names lowercased (last value wins).
    public var headers: [String: String]
    /// The body bytes as received.
    public var body: [UInt8]
    /// Seconds from hand-over to curl until the transfer finished.
    public var latency: Double
    /// Arrival time of each body chunk.
    public var chunks: [ChunkArrival]

    /// The arrival time of the chunk containing byte `offset`.
    public func arrivalTime(ofByte offset: Int) -> Double? {
        var lo = 0, hi = chunks.count - 1, found: Double?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if chunks[mid].offset <= offset { found = chunks[mid].time; lo = mid + 1 } else { hi = mid - 1 }
        }
        return found
    }
}

/// Why a transfer failed before a complete HTTP response arrived.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Failure category.
    public enum Kind: String, Sendable, Hashable {
        /// Connection could not be established.
        case connect
        /// A connect, total or stall timeout fired.
        case timeout
        /// TLS handshake or verification failed.
        case tls
        /// The connection broke mid-transfer or the server sent nothing.
        case transfer
        /// The body exceeded `maxResponseBytes`.
        case tooLarge
        /// The request was cancelled.
        case cancelled
        /// The request could not be set up (bad URL, bad option).
        case setup
    }
    /// Failure category.
    public var kind: Kind
    /// curl's detailed message (no headers or bodies, so no secrets).
    public var message: String
    /// Seconds spent before failing.
    public var elapsed: Double

    /// Creates a transport error.
    public init(kind: Kind, message: String, elapsed: Double) {
        self.kind = kind
        self.message = message
        self.elapsed = elapsed
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
