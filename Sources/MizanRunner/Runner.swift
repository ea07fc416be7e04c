import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanStore
import MizanSuites
import MizanTransport

/// Progress of a run, reported after every finished item.
public struct RunProgress: Sendable {
    /// Items finished (scored or failed).
    public var done: Int
    /// Items in the run.
    public var total: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Seconds since the first request.
    public var elapsed: Double
}

/// What `Runner.run` needs.
public struct RunRequest: Sendable {
    /// The loaded suite.
    public var suite: Suite
    /// The endpoint to evaluate.
    public var endpoint: EndpointConfig
    /// Only the first N items, if set.
    public var limit: Int?
    /// Optional human name for the run.
    public var name: String?
    /// Continue this stored run instead of starting a new one: only missing items are sent.
    public var resume: RunRecord?
    /// When resuming, also re-send items that ended in an endpoint error.
    public var retryErrors: Bool
    /// The configuration file (named endpoints, for `judge` metrics); empty by default.
    public var config: MizanConfig
    /// Gentle-stop switch (first Ctrl-C); cancelling the task is the hard stop.
    public var control: RunControl?
    /// Generations per item (`--samples K`); sample k is sent with seed `seedBase + k`.
    public var samples = 1
    /// Run only this slice of the items, into the run shared by every shard of `name` (`--shard i/n`).
    public var shard: ShardSpec?

    public init(suite: Suite, endpoint: EndpointConfig, limit: Int? = nil, name: String? = nil,
                resume: RunRecord? = nil, retryErrors: Bool = false, config: MizanConfig = MizanConfig()) {
        self.suite = suite
        self.endpoint = endpoint
        self.limit = limit
        self.name = name
        self.resume = resume
        self.retryErrors = retryErrors
        self.config = config
    }
}

/// Lets a caller stop a run gently: no new items are handed out, those in flight finish.
public final class RunControl: Sendable {
    private let draining = Locked(false)
    public init() {}
    /// Stops handing out new items.
    public func drain() { draining.withLock { $0 = true } }
    /// True once `drain()` was called.
    public var isDraining: Bool { draining.current }
}

/// How a run ended.
public struct RunOutcome: Sendable {
    /// The stored run's id.
    public var runID: String
    /// `completed` or `interrupted`.
    public var status: String
    /// Items stored.
    public var stored: Int
    /// Items that ended in an endpoint error.
    public var errors: Int
    /// Wall-clock seconds of the run.
    public var elapsed: Double
}

/// Orchestrates a run: renders prompts, sends them with bounded concurrency, scores each answer
/// and commits each finished item to the store as it finishes.
public struct Runner: Sendable {
    /// Where results go.
    public let store: any ResultStore
    /// The mizan version recorded in manifests.
    public let harnessVersion: String

    public init(store: any ResultStore, harnessVersion: String) {
        self.store = store
        self.harnessVersion = harnessVersion
    }

    /// Runs the suite against the endpoint. Cancelling the task stops handing out items, cancels
    /// the requests in flight, and marks the run `interrupted`; finished items stay stored.
    public func run(_ request: RunRequest, progress: (@Sendable (RunProgress) -> Void)? = nil) async throws -> RunOutcome {
        let suite = request.suite
        let context = MetricContext.run(suiteFolder: suite.path, config: request.config)
        let metrics = try suite.metrics.map { spec -> any Metric in
            do { return try MetricRegistry.make(spec, context: context) } catch let e as MetricConfigError {
                throw InputError(file: suite.path + "/suite.yaml", field: "metrics", problem: e.message, remedy: "fix the metric entry")
            }
        }
        let client = try ModelClient(config: request.endpoint)
        let pacer = EndpointPacer(limit: request.endpoint.rateLimit)
        let selected = Array(suite.items.prefix(request.limit ?? suite.items.count))
        let mine = request.shard.map { shard in selected.filter { shard.contains($0.id) } } ?? selected
        let samples = max(1, request.samples)
        let seedBase = suite.generation.seed ?? 1
        let runID: String
        var units = mine.flatMap { item in (0..<samples).map { (item, $0) } }
        var done = 0, errors = 0
        var previous = request.resume
        if previous == nil {
            let fingerprint = await client.fingerprint()
            var manifest = Manifest.make(suite: suite, items: selected, endpoint: fingerprint, metrics: metrics,
                                         harnessVersion: harnessVersion, name: request.name, retry: request.endpoint.retry,
                                         samples: samples, seedBase: seedBase)
            var record = RunRecord(id: Runner.newRunID(), suiteID: suite.id, suiteVersion: suite.version, suiteHash: suite.contentHash,
                                   endpoint: request.endpoint.name, model: request.endpoint.model, status: "running",
                                   startedAt: isoNow(), itemCount: selected.count, manifest: manifest)
            if let shard = request.shard {
                // Every shard of the named run computes the same id; the first creates the run, the others join it.
                guard let name = request.name, !name.isEmpty else { throw ShardSpec.needsName }
                manifest = shard.annotate(manifest)
                record.id = ShardSpec.runID(name: name, suite: suite, items: selected.count, endpoint: request.endpoint.name,
                                            model: request.endpoint.model)
                record.manifest = manifest
                try shard.refuseDivergence(store: store, name: name, runID: record.id, suite: suite, items: selected.count,
                                           endpoint: record.endpoint, model: record.model)
                if !(try store.createRunIfAbsent(record)) { previous = try store.run(matching: record.id) }
            } else {
                try store.createRun(record)
            }
            runID = record.id
        } else {
            runID = previous?.id ?? ""
        }
        if let previous {
            guard previous.suiteHash == suite.contentHash else {
                throw UsageError("run \(previous.id) was made with suite \(previous.suiteID)@\(previous.suiteVersion) "
                    + "(hash \(previous.suiteHash.prefix(12))), but the suite now hashes to \(suite.contentHash.prefix(12)); "
                    + "it cannot be resumed — start a new run")
            }
            try request.shard?.check(previous)
            let stored = try store.items(runID: runID)
            let kept = stored.filter { $0.response.failure == nil || !request.retryErrors }
            let keep = Set(kept.map { "\($0.itemID)#\($0.sample)" })
            let mineKept = kept.filter { request.shard?.contains($0.itemID) ?? true }
            units = units.filter { !keep.contains("\($0.0.id)#\($0.1)") }
            done = mineKept.count
            errors = mineKept.filter { $0.response.failure != nil }.count
            if request.shard == nil { try store.setStatus(runID: runID, status: "running") }
        }
        let shardStart = isoNow()
        try request.shard.map { try store.reportShard($0.report(runID: runID, items: mine.count * samples, status: "running",
                                                                startedAt: shardStart, finished: false)) }
        let total = mine.count * samples
        let start = monotonicNow()
        var storeError: (any Error)?
        let concurrency = max(1, request.endpoint.concurrency)
        await withTaskGroup(of: ItemRecord?.self) { group in
            var next = 0
            func launch() {
                guard next < units.count, !Task.isCancelled, request.control?.isDraining != true else { return }
                let (item, sample) = units[next]
                next += 1
                var settings = suite.generation
                if samples > 1 { settings.seed = seedBase + sample }
                group.addTask {
                    await Runner.evaluate(item, suite: suite, settings: settings, sample: sample, client: client, pacer: pacer, metrics: metrics)
                }
            }
            for _ in 0..<min(concurrency, units.count) { launch() }
            while let finished = await group.next() {
                if let record = finished {
                    do { try store.record(runID: runID, item: record) } catch {
                        storeError = error
                        group.cancelAll()
                    }
                    done += 1
                    if record.response.failure != nil { errors += 1 }
                    progress?(RunProgress(done: done, total: total, errors: errors, elapsed: monotonicNow() - start))
                }
                launch()
            }
        }
        let interrupted = Task.isCancelled || storeError != nil || done < total
        let status = interrupted ? "interrupted" : "completed"
        if let shard = request.shard {
            try store.reportShard(shard.report(runID: runID, items: total, status: status, startedAt: shardStart, finished: true))
        } else {
            try store.finishRun(id: runID, status: status, finishedAt: isoNow())
        }
        if let storeError { throw storeError }
        return RunOutcome(runID: runID, status: status, stored: done, errors: errors, elapsed: monotonicNow() - start)
    }

    /// Sends one item and scores it; nil when cancelled before an answer arrived.
    static func evaluate(_ item: SuiteItem, suite: Suite, settings: GenerationSettings, sample: Int, client: ModelClient, pacer: EndpointPacer,
                         metrics: [any Metric]) async -> ItemRecord? {
        let rendered = PromptRenderer.conversation(suite, item: item)
        let prompt = RenderedPrompt(system: rendered.system, user: rendered.user, history: rendered.history,
                                    separator: rendered.separator)
        let body = client.requestBody(prompt, settings: settings)
        var hasher = SHA256()
        hasher.update(client.config.generationURL)
        hasher.update([0])
        hasher.update(body)
        let response: ModelResponse
        do {
            response = try await client.send(body: body, prompt: prompt, settings: settings, pacer: pacer)
        } catch { return nil }
        let language = suite.language(of: item)
        var scores: [ScoreRecord] = []
        if let text = response.text, response.failure == nil {
            let input = MetricInput(itemID: item.id, output: text, references: item.references, choices: item.choices,
                                    answerIndex: item.answerIndex, language: language, finishReason: response.finishReason,
                                    fields: item.fields)
            do { scores = try await score(input, with: metrics) } catch { return nil }
        }
        return ItemRecord(itemID: item.id, language: language.description, requestHash: hasher.finalizeHex(),
                          prompt: rendered.user, response: response, scores: scores,
                          references: item.references, choices: item.choices, answerIndex: item.answerIndex, fields: item.fields,
                          sample: sample)
    }

    /// Scores one input with every metric; a throwing metric gives a score with its error.
    /// Throws only `CancellationError` (so a cancelled judge request leaves the item unstored).
    static func score(_ input: MetricInput, with metrics: [any Metric]) async throws -> [ScoreRecord] {
        var scores: [ScoreRecord] = []
        for metric in metrics {
            do {
                let r = try await metric.score(input)
                scores.append(ScoreRecord(metric: metric.name, metricVersion: metric.version, value: r.value,
                                          details: .object(r.details), error: r.error))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                scores.append(ScoreRecord(metric: metric.name, metricVersion: metric.version, value: nil, error: "\(error)"))
            }
        }
        return scores
    }

    /// A sortable, unique run id: `YYYYMMDD-HHMMSS-xxxx`.
    public static func newRunID() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        return f.string(from: Date()) + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }
}

func monotonicNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
