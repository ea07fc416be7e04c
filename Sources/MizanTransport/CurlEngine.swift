import CCurl
import Foundation
import MizanCore

/// Drives many concurrent HTTP transfers on one curl multi handle, on a dedicated thread,
/// with an async/await API. Concurrency is limited by the caller (how many requests it hands in),
/// never by curl's connection caps, so queueing time does not show up as latency.
public final class CurlEngine: @unchecked Sendable {
    // @unchecked Sendable: shared state lives in a `Locked` value; the multi handle is used only on the engine thread.
    /// A process-wide engine, started on first use.
    public static let shared = CurlEngine()

    private struct State {
        var pending: [CurlTransfer] = []
        var cancelled: Set<Int> = []
        var registered: [Int: CurlTransfer] = [:]
        var nextID = 0
        var stopping = false
        /// A wake-up was sent that the loop has not yet answered by taking `pending`.
        var wakeupSent = false
    }

    private let multi: UnsafeMutableRawPointer
    private let state = Locked(State())
    private var thread: Thread?

    /// Creates an engine and starts its thread.
    public init() {
        CurlEngine.globalInit
        multi = curl_multi_init()
        mizan_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
        let t = Thread { [unowned self] in self.loop() }
        t.name = "mizan-curl"
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    /// How many reset easy handles the engine keeps for reuse.
    static let handlePoolLimit = 256

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// The linked libcurl version string.
    public static var curlVersion: String { String(cString: curl_version()) }

    /// Sends `request` and returns the response (any HTTP status), or throws a `TransportError`.
    /// Cancelling the calling task aborts the transfer promptly.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<HTTPResponse, any Error>) in
                let transfer = CurlTransfer(request: request, id: id)
                transfer.continuation = cont
                let (alreadyCancelled, wake) = state.withLock { s -> (Bool, Bool) in
                    if s.cancelled.remove(id) != nil || s.stopping { return (true, false) }
                    s.pending.append(transfer)
                    s.registered[id] = transfer
                    defer { s.wakeupSent = true }
                    return (false, !s.wakeupSent)
                }
                if alreadyCancelled {
                    transfer.continuation = nil
                    cont.resume(throwing: TransportError(kind: .cancelled, message: "cancelled before start", elapsed: 0))
                    return
                }
                // One wake-up per batch of new transfers: the loop takes them all at once.
                if wake { curl_multi_wakeup(multi) }
            }
        } onCancel: {
            state.withLock { s in s.cancelled.insert(id) }
            curl_multi_wakeup(multi)
        }
    }

    private func loop() {
        var active: [Int: CurlTransfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var pool: [UnsafeMutableRawPointer] = []
        defer { for h in pool { curl_easy_cleanup(h) } }
        while true {
            let (incoming, cancels, stopping) = state.withLock { s -> ([CurlTransfer], Set<Int>, Bool) in
                let p = s.pending
                s.pending.removeAll()
                s.wakeupSent = false
                // Keep ids of transfers not yet registered: their send() checks the set itself.
                let c = s.cancelled.filter { s.registered[$0] != nil }
                s.cancelled.subtract(c)
                return (p, c, s.stopping)
            }
            for t in incoming {
                if let problem = t.configure(reusing: pool.popLast()) {
                    t.cleanup()
                    finish(t, .failure(TransportError(kind: .setup, message: problem, elapsed: 0)))
                    continue
                }
                t.startTime = monotonicSeconds()
                curl_multi_add_handle(multi, t.easy)
                active[t.id] = t
                byHandle[t.easy!] = t
            }
            for id in cancels {
                guard let t = active.removeValue(forKey: id) else { continue }
                byHandle[t.easy!] = nil
                curl_multi_remove_handle(multi, t.easy)
                let elapsed = monotonicSeconds() - t.startTime
                t.cleanup()
                finish(t, .failure(TransportError(kind: .cancelled, message: "cancelled", elapsed: elapsed)))
            }
            if stopping && active.isEmpty { break }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let msg = curl_multi_info_read(multi, &remaining) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle,
                      let t = byHandle.removeValue(forKey: easy) else { continue }
                let code = mizan_msg_result(msg)
                active[t.id] = nil
                let result = outcome(of: t, code: code)
                curl_multi_remove_handle(multi, easy)
                // Handles of transfers that ended well are reset and kept for the next ones (saves
                // allocating and setting up a handle per request); others are freed.
                if code == CURLE_OK, pool.count < CurlEngine.handlePoolLimit, let h = t.detachResetHandle() { pool.append(h) }
                t.cleanup()
                finish(t, result)
            }
            curl_multi_poll(multi, nil, 0, active.isEmpty ? 1000 : 100, nil)
        }
    }

    private func outcome(of t: CurlTransfer, code: CURLcode) -> Result<HTTPResponse, TransportError> {
        let elapsed = monotonicSeconds() - t.startTime
        if code == CURLE_OK {
            var status = 0
            mizan_easy_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: t.headers, body: t.body, latency: elapsed, chunks: t.chunks))
        }
        if t.overflowed {
            return .failure(TransportError(kind: .tooLarge, message: "response body larger than \(t.request.maxResponseBytes) bytes", elapsed: elapsed))
        }
        return .failure(TransportError(kind: CurlEngine.kind(of: code), message: t.message(for: code), elapsed: elapsed))
    }

    /// Maps a curl result code to a failure category.
    static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .connect
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .setup
        default: return .transfer
        }
    }

    private func finish(_ t: CurlTransfer, _ result: Result<HTTPResponse, TransportError>) {
        let cont = state.withLock { s -> CheckedContinuation<HTTPResponse, any Error>? in
            s.registered[t.id] = nil
            s.cancelled.remove(t.id)
            let c = t.continuation
            t.continuation = nil
            return c
        }
        switch result {
        case .success(let r): cont?.resume(returning: r)
        case .failure(let e): cont?.resume(throwing: e)
        }
    }

    /// Stops accepting transfers, waits for in-flight ones to end, and frees the multi handle.
    public func shutdown() {
        state.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
        while thread?.isFinished == false { usleep(1000) }
        curl_multi_cleanup(multi)
    }
}
