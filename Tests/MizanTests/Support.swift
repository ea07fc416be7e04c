import Foundation
import MizanCore
import MizanTransport
import MizanEndpoints
import MizanTestSupport

/// Paths and helpers shared by the tests.
enum TestEnv {
    /// The package root (two levels above this file's folder).
    static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The debug `mizan` binary built beside the tests.
    static var mizanBinary: String {
        let candidates = [".build/debug/mizan", ".build/x86_64-unknown-linux-gnu/debug/mizan", ".build/aarch64-unknown-linux-gnu/debug/mizan"]
        return candidates.map { root + "/" + $0 }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? root + "/.build/debug/mizan"
    }

    /// Polls `condition` every 10 ms until it holds; throws after `timeout` seconds, naming what it waited for,
    /// so a test whose event never comes fails with a message instead of hanging.
    static func waitUntil(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw WaitTimeout(what: what, seconds: timeout) }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// A fresh temporary directory.
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "mizan-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An endpoint config pointing at a test server.
    static func endpoint(_ server: TestHTTPServer, kind: EndpointKind = .openaiChat, stream: Bool = false,
                         concurrency: Int = 8, timeouts: Timeouts = .init()) -> EndpointConfig {
        let url = kind == .ollama ? server.baseURL : server.baseURL + "/v1"
        return EndpointConfig(name: "test", url: url, kind: kind, model: "test-model", stream: stream,
                              concurrency: concurrency, timeouts: timeouts)
    }

    /// Runs a process to completion and returns exit code, stdout and stderr.
    @discardableResult
    static func run(_ executable: String, _ args: [String], environment: [String: String]? = nil,
                    cwd: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        let errData = Locked(Data())
        let t = Thread { errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // The reader ends when the child's stderr closes; a grandchild holding it open must not hang the test.
        let deadline = Date().addingTimeInterval(60)
        while !t.isFinished && Date() < deadline { usleep(1000) }
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errData.current, as: UTF8.self))
    }

    /// A Darija generation suite header with a `{{input}}` template; `extra` lines (e.g. `generation:`) are appended.
    static func suiteYAML(id: String, template: String = "{{input}}", metrics: String = "[exact]", extra: String = "") -> String {
        """
        id: \(id)
        version: 1.0.0
        language: ary-Arab
        task: generation
        prompt:
          template: "\(template)"
        metrics: \(metrics)
        """ + (extra.isEmpty ? "" : "\n" + extra)
    }

    /// Writes a suite folder and returns its path.
    static func writeSuite(in dir: String, id: String = "t-suite", yaml: String? = nil, items: [String]) throws -> String {
        let folder = dir + "/" + id
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let header = yaml ?? suiteYAML(id: id)
        try header.write(toFile: folder + "/suite.yaml", atomically: true, encoding: .utf8)
        try (items.joined(separator: "\n") + "\n").write(toFile: folder + "/items.jsonl", atomically: true, encoding: .utf8)
        return folder
    }
}

/// A polled event did not happen in time.
struct WaitTimeout: Error, CustomStringConvertible {
    /// What the test waited for.
    let what: String
    /// How long it waited.
    let seconds: Double
    var description: String { "timed out after \(seconds) s waiting for \(what)" }
}
