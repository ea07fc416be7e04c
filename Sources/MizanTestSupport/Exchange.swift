import MizanCore
/// How a stream ends: completely, or by one of the stream faults.
enum StreamEnding {
    /// All chunks, the final events, then the end of the body.
    case complete
    /// N chunks, then silence until the peer closes or the server stops.
    case stall(Int)
    /// N chunks, then a proper end of the HTTP body and close, without the final events.
    case cut(Int)
    /// N chunks, then close without ending the chunked body.
    case drop(Int)
}

/// Answers one request on one connection according to a `TestReply`.
struct Exchange {
    let core: ServerCore
    let connection: HTTPConnection
    let request: TestRequest
    let id: Int
    let started: Double
    let keepAlive: Bool

    private func context(_ completion: TestCompletion) -> DialectFormats.Context {
        DialectFormats.Context(request: request, completion: completion, id: id,
                               elapsedNanos: Int((monotonicSeconds() - started) * 1e9))
    }

    private func result(_ sent: Bool, keep: Bool = true) -> ConnectionAction {
        sent && keep && keepAlive ? .keepAlive : .close
    }

    /// Sends the reply; says what to do with the connection afterwards.
    func perform(_ reply: TestReply) -> ConnectionAction {
        switch reply {
        case .builtin:
            if let body = DialectFormats.fingerprint(method: request.method, path: request.path) {
                return result(core.send(connection, 200, body: body, keepAlive: keepAlive))
            }
            if request.dialect.isGeneration {
                return perform(.status(500, body: "{\"error\":{\"message\":\"no answer configured\"}}"))
            }
            let body = DialectFormats.notFound(method: request.method, path: request.path)
            return result(core.send(connection, 404, body: body, keepAlive: keepAlive))
        case .status(let code, let body, let headers):
            return result(core.send(connection, code, body: body, headers: headers, keepAlive: keepAlive))
        case .delayed(let seconds, let next):
            guard core.sleep(seconds) else { return .close }
            return perform(next)
        case .completion(let completion):
            if request.isStreaming {
                return stream(completion, ending: .complete)
            }
            let body = DialectFormats.body(context(completion), content: completion.text)
            return result(core.send(connection, 200, body: body, contentType: "application/json", keepAlive: keepAlive))
        case .fault(let fault):
            return perform(fault)
        }
    }

    /// Words `chunk1 chunk2 …` to stream when a stream fault needs text.
    private static func filler(_ count: Int) -> TestCompletion {
        TestCompletion(text: (1...max(1, count + 3)).map { "chunk\($0)" }.joined(separator: " "))
    }

    private func perform(_ fault: TestFault) -> ConnectionAction {
        switch fault {
        case .resetConnection:
            return .reset
        case .neverAnswer:
            connection.waitForPeerClose()
            return .close
        case .stallMidStream(let n):
            return stream(Self.filler(n), ending: .stall(max(0, n)))
        case .cutStreamBeforeDone(let n):
            return stream(Self.filler(n), ending: .cut(max(0, n)))
        case .dropStreamMidway(let n):
            return stream(Self.filler(n), ending: .drop(max(0, n)))
        case .malformedJSON:
            if request.isStreaming {
                let head = ServerCore.head(200, contentType: "text/event-stream", headers: [:], keepAlive: false,
                                           framing: "Transfer-Encoding: chunked")
                let sent = connection.send(head)
                    && connection.sendChunk(Array("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\n\ndata: }}not json{{\n\n".utf8))
                    && connection.endChunks()
                return result(sent, keep: false)
            }
            let body = "{\"id\":\"chatcmpl-broken\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"unterminated"
            return result(core.send(connection, 200, body: body, contentType: "application/json", keepAlive: keepAlive))
        case .enormousBody(let bytes):
            return enormous(bytes, chunked: false)
        case .enormousChunkedBody(let bytes):
            return enormous(bytes, chunked: true)
        case .invalidUTF8:
            let completion = TestCompletion(text: "invalid " + DialectFormats.invalidMarker + " bytes")
            if request.isStreaming { return stream(completion, ending: .complete, invalidUTF8: true) }
            let body = DialectFormats.injectInvalidUTF8(Array(DialectFormats.body(context(completion), content: completion.text).utf8))
            return result(core.send(connection, 200, body: body, contentType: "application/json", keepAlive: keepAlive))
        }
    }

    /// A valid JSON answer of about `bytes` bytes, written in 64 KiB pieces (as chunks of a chunked body
    /// when `chunked`). A peer that hangs up before the end is counted in `TestHTTPServer.repliesCutByPeer`.
    private func enormous(_ bytes: Int, chunked: Bool) -> ConnectionAction {
        let marker = "\u{E002}"
        let whole = DialectFormats.body(context(TestCompletion(text: marker)), content: marker)
        let parts = whole.split(separator: Character(marker), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .close }
        let prefix = Array(parts[0].utf8)
        let suffix = Array(parts[1].utf8)
        let fill = max(0, bytes - prefix.count - suffix.count)
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(prefix.count + fill + suffix.count)"
        let head = ServerCore.head(200, contentType: "application/json", headers: [:], keepAlive: keepAlive, framing: framing)
        func put(_ piece: [UInt8]) -> Bool {
            if chunked ? connection.sendChunk(piece) : connection.send(piece) { return true }
            core.lock.withLock { core.repliesCutByPeer += 1 }
            return false
        }
        guard connection.send(head), put(prefix) else { return .close }
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        var left = fill
        while left > 0 {
            let n = min(left, block.count)
            guard put(n == block.count ? block : Array(block[0..<n])) else { return .close }
            left -= n
        }
        guard put(suffix) else { return .close }
        return result(chunked ? connection.endChunks() : true)
    }

    /// Streams an answer in the request's dialect (SSE or NDJSON over a chunked body).
    private func stream(_ completion: TestCompletion, ending: StreamEnding, invalidUTF8: Bool = false) -> ConnectionAction {
        let chunks = TestCompletion.streamChunks(completion.text)
        let plan = DialectFormats.stream(context(completion), chunks: chunks)
        let complete: Bool
        let limit: Int
        switch ending {
        case .complete: complete = true; limit = plan.content.count
        case .stall(let n), .cut(let n), .drop(let n): complete = false; limit = min(n, plan.content.count)
        }
        let keep = complete && keepAlive
        let head = ServerCore.head(200, contentType: plan.contentType, headers: ["Cache-Control": "no-cache"],
                                   keepAlive: keep, framing: "Transfer-Encoding: chunked")
        guard connection.send(head) else { return .close }
        func emit(_ event: String) -> Bool {
            let bytes = Array(event.utf8)
            return connection.sendChunk(invalidUTF8 ? DialectFormats.injectInvalidUTF8(bytes) : bytes)
        }
        for event in plan.preamble { guard emit(event) else { return .close } }
        for (i, event) in plan.content.prefix(limit).enumerated() {
            if i > 0, completion.chunkDelay > 0, !core.sleep(completion.chunkDelay) { return .close }
            guard emit(event) else { return .close }
        }
        switch ending {
        case .complete:
            if completion.chunkDelay > 0, !plan.content.isEmpty, !core.sleep(completion.chunkDelay) { return .close }
            for event in plan.final { guard emit(event) else { return .close } }
            return result(connection.endChunks(), keep: keep)
        case .stall:
            connection.waitForPeerClose()
            return .close
        case .cut:
            connection.endChunks()
            return .close
        case .drop:
            return .close
        }
    }
}
