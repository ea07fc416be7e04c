import Foundation
import MizanCore

/// Any executable as a metric (protocol: docs/external-metrics.md). One long-lived process per
/// metric instance reads one JSON object per line on stdin (`id`, `output`, `references`, `lang`,
/// `fields`) and answers each with one JSON line (`score`, optional `details`, `error`, `id`).
/// Items are exchanged one at a time on a dedicated thread, so Swift-concurrency threads never block.
public final class ExternalMetric: Metric {
    /// `external`.
    public let name = "external"
    /// `external/1 <command> sha:<prefix over the command's files>` (plus the entry's `version`, if set).
    public let version: String
    /// The resolved argv (argv[0] absolute).
    public let argv: [String]
    /// Seconds allowed per item (default 30).
    public let timeout: Double
    private let worker: ExternalWorker

    static let keys: Set<String> = ["command", "timeout", "version"]

    /// Reads `command` (a path or an argv list; relative paths against the suite folder, bare
    /// names on `PATH`) and `timeout`; throws when the command is missing or not executable.
    public init(spec: MetricSpec, context: MetricContext) throws {
        if let unknown = spec.options.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw MetricConfigError(field: unknown, message: "metric 'external': unknown option '\(unknown)'; use one of: \(Self.keys.sorted().joined(separator: ", "))")
        }
        var raw: [String] = []
        switch spec.options["command"] {
        case .string(let s)?: raw = [s]
        case .array(let a)?: raw = a.compactMap(\.stringValue)
        default: break
        }
        guard let first = raw.first, !first.isEmpty else {
            throw MetricConfigError(field: "command", message: "metric 'external' needs `command:` — a path such as metrics/score.sh "
                + "or an argv list such as [python3, ../../examples/metrics/length_ratio.py] (relative to the suite folder)")
        }
        let exe = try Self.locate(first, context: context)
        argv = [exe] + raw.dropFirst()
        timeout = spec.options["timeout"]?.doubleValue ?? 30
        guard timeout > 0 else { throw MetricConfigError(field: "timeout", message: "metric 'external': timeout must be a positive number of seconds") }
        let display = "command '\(raw.joined(separator: " "))'"
        var hasher = SHA256()
        for arg in argv {
            let path = context.resolve(path: arg)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
               let data = FileManager.default.contents(atPath: path) {
                hasher.update([UInt8](data))
            } else {
                hasher.update(arg)
            }
            hasher.update([0])
        }
        let user = spec.options["version"]?.stringValue.map { " v\($0)" } ?? ""
        version = "external/1 \((first as NSString).lastPathComponent)\(user) sha:\(hasher.finalizeHex().prefix(12))"
        worker = ExternalWorker(argv: argv, cwd: context.suiteFolder, display: display, timeout: timeout)
    }

    deinit { worker.stop() }

    /// Finds the executable: paths with `/` against the suite folder, bare names on `PATH`.
    static func locate(_ command: String, context: MetricContext) throws -> String {
        let fm = FileManager.default
        if command.contains("/") {
            let path = context.resolve(path: command)
            guard fm.fileExists(atPath: path) else {
                throw MetricConfigError(field: "command", message: "metric 'external': command '\(command)' not found (looked at \(path)); "
                    + "paths are relative to the suite folder")
            }
            guard fm.isExecutableFile(atPath: path) else {
                throw MetricConfigError(field: "command", message: "metric 'external': command '\(path)' is not executable; "
                    + "chmod +x it or run it through its interpreter, e.g. command: [python3, \(command)]")
            }
            return path.hasPrefix("/") ? path : fm.currentDirectoryPath + "/" + path
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for dir in dirs where fm.isExecutableFile(atPath: "\(dir)/\(command)") { return "\(dir)/\(command)" }
        throw MetricConfigError(field: "command", message: "metric 'external': command '\(command)' not found on PATH; give a path or install it")
    }

    /// The JSON line sent for one item.
    static func requestLine(_ input: MetricInput) -> [UInt8] {
        var o: [String: JSONValue] = [
            "id": .string(input.itemID), "output": .string(input.output),
            "references": .array(input.references.map { .string($0) }),
            "lang": .string(input.language.description), "fields": .object(input.fields),
        ]
        if let c = input.choices { o["choices"] = .array(c.map { .string($0) }) }
        if let a = input.answerIndex { o["answer_index"] = .number(Double(a)) }
        return Array((JSONValue.object(o).canonicalJSON + "\n").utf8)
    }

    /// Sends the item to the command and reads its answer line.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        switch await worker.exchange(Self.requestLine(input), itemID: input.itemID) {
        case .failure(let f): return MetricResult(value: nil, error: f.message)
        case .success(let reply): return Self.parse(reply.line, lineNumber: reply.number, itemID: input.itemID)
        }
    }

    /// Reads one answer line.
    static func parse(_ line: String, lineNumber: Int, itemID: String) -> MetricResult {
        let bad = { (why: String) in
            MetricResult(value: nil, error: "external metric: stdout line \(lineNumber) \(why): \(ExternalChild.quote(line)); "
                + "expected one JSON object per line such as {\"score\": 0.5}")
        }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)), case .object(let o) = value else {
            return bad("is not a JSON object")
        }
        if let id = o["id"], id.stringValue != itemID {
            return MetricResult(value: nil, error: "external metric: stdout line \(lineNumber) answers item '\(id.stringValue ?? "?")' "
                + "but item '\(itemID)' was sent; answer in input order")
        }
        var details: [String: JSONValue] = [:]
        if case .object(let d)? = o["details"] { details = d }
        if let e = o["error"]?.stringValue { return MetricResult(value: nil, details: details, error: e) }
        switch o["score"] {
        case .number(let d)?: return MetricResult(value: d, details: details)
        case .null?: return MetricResult(value: nil, details: details, error: "external metric: no score for this item (score: null)")
        default: return bad("has no number `score`")
        }
    }
}

/// One answer line and its 1-based stdout line number.
struct ExternalReply: Sendable {
    let line: String
    let number: Int
}

/// Serialises exchanges with one external command on its own thread; restarts the command
/// after a failure (timeout, exit, stray output).
final class ExternalWorker: @unchecked Sendable {
    // @unchecked Sendable: the job queue and flags live in a `Locked` value; the child process is used only on the worker thread.
    private struct Job {
        let line: [UInt8]
        let itemID: String
        let done: @Sendable (Result<ExternalReply, ExternalFailure>) -> Void
    }

    private let argv: [String], cwd: String?, display: String, timeout: Double
    private let queue = Locked((jobs: [Job](), running: false, stopping: false))

    init(argv: [String], cwd: String?, display: String, timeout: Double) {
        self.argv = argv
        self.cwd = cwd
        self.display = display
        self.timeout = timeout
    }

    /// One line in, one line out (with its stdout line number).
    func exchange(_ line: [UInt8], itemID: String) async -> Result<ExternalReply, ExternalFailure> {
        await withCheckedContinuation { (c: CheckedContinuation<Result<ExternalReply, ExternalFailure>, Never>) in
            let start = queue.withLock { q -> Bool in
                q.jobs.append(Job(line: line, itemID: itemID, done: { c.resume(returning: $0) }))
                if q.running { return false }
                q.running = true
                return true
            }
            if start {
                let t = Thread { [self] in loop() }
                t.name = "mizan-external"
                t.start()
            }
            queue.broadcast()
        }
    }

    /// Lets the thread finish the queued jobs, close the command's stdin and exit.
    func stop() {
        queue.withLock { $0.stopping = true }
        queue.broadcast()
    }

    private func loop() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        var child: ExternalChild?
        while true {
            _ = queue.wait(until: .infinity) { !$0.jobs.isEmpty || $0.stopping }
            let next = queue.withLock { q -> Job? in
                if q.jobs.isEmpty { q.running = false; return nil }
                return q.jobs.removeFirst()
            }
            guard let job = next else { break }
            let result: Result<ExternalReply, ExternalFailure>
            do {
                if child == nil { child = try ExternalChild(argv: argv, cwd: cwd, display: display) }
                let line = try child!.exchange(job.line, itemID: job.itemID, timeout: timeout)
                result = .success(ExternalReply(line: line, number: child!.linesRead))
            } catch let f as ExternalFailure {
                if f.fatal { child?.kill(); child = nil }
                result = .failure(f)
            } catch {
                result = .failure(ExternalFailure(message: "external metric: \(error)", fatal: true))
            }
            job.done(result)
        }
        child?.finish(grace: 2)
    }
}
