import Foundation
import Testing
import MizanTestSupport
import MizanTransport

/// TLS through the real libcurl transport against `openssl s_server`, with a CA made in the test.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TLSTests {
    /// Makes a CA, a server certificate for 127.0.0.1 and a client certificate; returns the folder.
    static func makePKI() throws -> String {
        let dir = TestEnv.tempDir()
        let script = """
            set -e
            cd '\(dir)'
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=mizan test CA' -keyout ca.key -out ca.pem 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server.key -out server.csr 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -subj '/CN=mizan client' -keyout client.key -out client.csr 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem 2>/dev/null
            """
        let r = try TestEnv.run("/bin/bash", ["-c", script])
        guard r.status == 0 else { throw TransportError(kind: .setup, message: "openssl failed: \(r.stderr)", elapsed: 0) }
        return dir
    }

    /// A free port: bind an ephemeral one and release it.
    static func freePort() throws -> Int {
        let s = try TestHTTPServer { _ in .completion(TestCompletion(text: "")) }
        let p = s.port
        s.stop()
        return p
    }

    static func startServer(_ dir: String, port: Int, requireClientCert: Bool) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        var args = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", "\(dir)/server.pem", "-key", "\(dir)/server.key", "-www", "-quiet"]
        if requireClientCert { args += ["-Verify", "1", "-CAfile", "\(dir)/ca.pem"] }
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        p.standardInput = Pipe()
        try p.run()
        return p
    }

    /// Stops an openssl server without blocking on `waitUntilExit` (which can hang in corelibs Foundation).
    static func stop(_ p: Process) {
        kill(p.processIdentifier, SIGKILL)
        for _ in 0..<100 where p.isRunning { usleep(10_000) }
    }

    /// Sends until the server accepts connections (it needs a moment to start).
    static func send(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportError> {
        for _ in 0..<100 {
            do { return .success(try await CurlEngine.shared.send(request)) } catch let e as TransportError {
                if e.kind != .connect { return .failure(e) }
                try? await Task.sleep(nanoseconds: 50_000_000)
            } catch { return .failure(TransportError(kind: .setup, message: "\(error)", elapsed: 0)) }
        }
        return .failure(TransportError(kind: .connect, message: "server never came up", elapsed: 0))
    }

    @Test func verificationWithCustomCAInsecureSwitchAndMutualTLS() async throws {
        let dir = try TLSTests.makePKI()
        let port = try TLSTests.freePort()
        let server = try TLSTests.startServer(dir, port: port, requireClientCert: false)
        defer { TLSTests.stop(server) }
        let url = "https://127.0.0.1:\(port)/"
        let trusted = await TLSTests.send(HTTPRequest(url: url, tls: TLSOptions(caBundle: "\(dir)/ca.pem")))
        #expect((try? trusted.get().status) == 200)
        let untrusted = await TLSTests.send(HTTPRequest(url: url, tls: TLSOptions(caBundle: "\(dir)/client.pem")))
        if case .failure(let e) = untrusted { #expect(e.kind == .tls) } else { Issue.record("unverified server was accepted") }
        let insecure = await TLSTests.send(HTTPRequest(url: url, tls: TLSOptions(insecure: true)))
        #expect((try? insecure.get().status) == 200)

        let mport = try TLSTests.freePort()
        let mserver = try TLSTests.startServer(dir, port: mport, requireClientCert: true)
        defer { TLSTests.stop(mserver) }
        let murl = "https://127.0.0.1:\(mport)/"
        let withCert = await TLSTests.send(HTTPRequest(url: murl, tls: TLSOptions(caBundle: "\(dir)/ca.pem",
                                                                                 clientCert: "\(dir)/client.pem", clientKey: "\(dir)/client.key")))
        #expect((try? withCert.get().status) == 200)
        let withoutCert = await TLSTests.send(HTTPRequest(url: murl, tls: TLSOptions(caBundle: "\(dir)/ca.pem")))
        if case .success = withoutCert { Issue.record("server requiring a client certificate answered without one") }
    }
}
