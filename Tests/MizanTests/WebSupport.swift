import Foundation
import MizanCore
import MizanTransport

/// A `mizan serve` process on a free port, and a browser-like client over the real libcurl transport (cookies kept
/// by hand, redirects not followed, so tests see every status).
final class ServeProcess: @unchecked Sendable {
    let process: Process
    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    /// Everything the server wrote to standard error (read after it stopped).
    private let errPipe: Pipe

    /// Starts `mizan serve --port 0 extra…` and waits (at most 60 s) for the address it prints.
    init(_ extra: [String]) async throws {
        let process = Process(), errPipe = Pipe()
        process.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        process.arguments = ["serve", "--port", "0"] + extra
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errPipe
        try process.run()
        self.process = process
        self.errPipe = errPipe
        let line = Locked("")
        let reader = Thread {
            var buffer = Data()
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                let text = String(decoding: buffer, as: UTF8.self)
                if let l = text.split(separator: "\n").first(where: { $0.contains("mizan serve: http://") }) {
                    line.withLock { $0 = String(l) }
                }
            }
        }
        reader.start()
        try await TestEnv.waitUntil("mizan serve to print its address") { !line.current.isEmpty || !process.isRunning }
        let printed = line.current
        guard let range = printed.range(of: #"http://[0-9.]+:[0-9]+"#, options: .regularExpression) else {
            if process.isRunning { process.terminate() }
            throw WaitTimeout(what: "an address from mizan serve (it exited: \(!process.isRunning))", seconds: 60)
        }
        baseURL = String(printed[range])
    }

    /// Stops the server (SIGTERM) and waits for it.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// What the server wrote to standard error (after `stop`).
    var stderr: String { String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
}

/// A client that keeps one session cookie, like one browser.
final class WebClient: @unchecked Sendable {
    let base: String
    /// The `mizan_session` cookie value, once the server set one.
    var session: String?

    init(_ base: String) { self.base = base }

    /// A response as the tests read it.
    struct Page {
        var status: Int
        var headers: [String: String]
        var body: String
        /// The value of the first `name="csrf" value="…"` field.
        var csrf: String? { field("csrf") }
        /// The value of the first hidden field `name`.
        func field(_ name: String) -> String? {
            guard let r = body.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(body[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    func get(_ path: String) async throws -> Page { try await send("GET", path, body: nil) }

    /// A form POST (`application/x-www-form-urlencoded`).
    func post(_ path: String, _ form: [(String, String)]) async throws -> Page {
        let body = form.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send("POST", path, body: body)
    }

    private func send(_ method: String, _ path: String, body: String?) async throws -> Page {
        var headers: [(String, String)] = []
        if let session { headers.append(("Cookie", "mizan_session=\(session)")) }
        if body != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        let r = try await CurlEngine.shared.send(HTTPRequest(url: base + path, method: method, headers: headers, body: body.map { Array($0.utf8) },
                                                             timeouts: Timeouts(connect: 10, total: 120, stall: 60)))
        if let cookie = r.headers["set-cookie"], let v = cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1) {
            session = v.count > 1 && !v[1].isEmpty ? String(v[1]) : nil
        }
        return Page(status: r.status, headers: r.headers, body: String(decoding: r.body, as: UTF8.self))
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }
}
