import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanReport
import MizanRunner
import MizanSuites
import MizanStore

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a suite against an endpoint, store every item, print metric means per language.",
        discussion: """
            Ctrl-C once: no new items are sent, the requests in flight finish (for at most --drain-timeout seconds), \
            the run is marked interrupted (exit 130) and can be resumed. Ctrl-C twice: requests in flight are \
            cancelled at once. Every finished item is already stored either way.
            """)

    @Option(help: "Suite id under Prompts/ (newest version), id@version (a released older version), or a suite folder path. Repeat for several suites.")
    var suite: [String] = []

    @OptionGroup var target: EndpointChoice

    @Option(help: "Continue a stored run: send only the items it does not have yet (suite and endpoint come from the run).")
    var resume: String?

    @Flag(help: "With --resume: also re-send items that ended in an endpoint error.")
    var retryErrors = false

    @Option(help: "Only the first N items of each suite.")
    var limit: Int?

    @Flag(help: "Stream responses (SSE / NDJSON) to measure time to first token.")
    var stream = false

    @Option(help: "Fraction of items allowed to end in endpoint errors before exiting with code 3.")
    var errorBudget: Double = 0.2

    @Option(help: "Generations per item; sample k uses seed (suite seed or 1) + k. Reports pass@1, pass@K, pass^K and agreement.")
    var samples: Int?

    @Option(help: "Seconds the first Ctrl-C waits for requests in flight before cancelling them.")
    var drainTimeout: Double = 30

    @Option(help: "A name recorded in the run manifest. With --shard, the name all shards of one run share.")
    var name: String?

    @Option(help: "Sampling temperature for every suite (overrides the suites' generation.temperature; recorded in the manifest).")
    var temperature: Double?

    @Option(help: "Run only shard i of n (0 ≤ i < n) into the run shared by every shard with the same --name, suite, endpoint and model; the run completes when all n shards have. Re-running the same command resumes the shard.")
    var shard: String?

    @Flag(inversion: .prefixedNo, help: "Reuse stored successful responses to identical requests instead of sending them (default: only when the suite is deterministic — temperature 0 or a seed). --no-cache sends every request.")
    var cache: Bool?

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print one JSON object to stdout (run_id, items, errors, metrics) instead of tables.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let project = try storeOptions.project()
            let cfg = try project.loadConfig()
            var kind = try target.kind()
            if let limit, limit < 1 { throw UsageError("--limit must be at least 1") }
            if retryErrors && resume == nil { throw UsageError("--retry-errors goes with --resume <run-id>") }
            let shardSpec = try shard.map { try ShardSpec(parsing: $0) }
            if shardSpec != nil && resume == nil && (name ?? "").isEmpty { throw ShardSpec.needsName }
            let store = try storeOptions.openStore(cfg, create: true)
            var resumed: RunRecord?
            var suiteArgs = suite
            var endpointArg = target.endpoint
            var limitArg = limit
            if let resume {
                let previous = try store.run(matching: resume)
                guard suite.isEmpty || suite.count == 1 else { throw UsageError("--resume continues one run; give at most one --suite") }
                if suiteArgs.isEmpty { suiteArgs = [GateCommand.suiteSpec(for: previous, project: project)] }
                endpointArg = endpointArg ?? previous.endpoint
                limitArg = limitArg ?? previous.itemCount
                if kind == nil, let k = previous.manifest["endpoint"]?["config"]?["kind"]?.stringValue { kind = EndpointKind(rawValue: k) }
                resumed = previous
                if let n = ShardSpec.count(of: previous), shardSpec == nil {
                    throw UsageError("run \(previous.id) is split in \(n) shards; resume one shard with "
                        + "`mizan run --resume \(previous.id) --shard i/\(n)` (or re-run that shard's command)")
                }
            }
            guard let endpointArg, !suiteArgs.isEmpty else {
                throw UsageError("give --suite and --endpoint (or --resume <run-id>)")
            }
            var endpointConfig = try cfg.resolve(endpoint: endpointArg, kind: kind, model: target.model ?? resumed?.model, concurrency: target.concurrency)
            if stream || resumed?.manifest["endpoint"]?["config"]?["stream"] == .bool(true) { endpointConfig.stream = true }
            var suites = try suiteArgs.map { try SuiteLoader.load(folder: try SuiteCatalog.resolve($0, promptsDir: project.promptsDir), streaming: true) }
            if let t = temperature, !(t >= 0) { throw UsageError("--temperature must be 0 or more (got \(t))") }
            let recorded = resumed?.manifest["generation"]?["temperature"]?.doubleValue
            if let t = temperature, resumed != nil, t != recorded {
                throw UsageError("--temperature \(t) differs from the resumed run's \(recorded.map { String($0) } ?? "suite default"); resume with the same settings")
            }
            if let t = temperature ?? recorded { for i in suites.indices { suites[i].generation.temperature = t } }
            if resumed == nil { offerResume(store: store, suites: suites, endpoint: endpointConfig) }
            let (finalEndpoint, finalLimit, finalResume) = (endpointConfig, limitArg, resumed)
            let finalSamples = samples ?? resumed?.manifest["samples"]?["count"]?.doubleValue.map { Int($0) } ?? 1
            guard finalSamples >= 1 else { throw UsageError("--samples must be at least 1") }
            let runner = Runner(store: store, harnessVersion: mizanVersion)
            let interrupt = InterruptHandler()
            var results: [JSONValue] = []
            var summaries: [RunSummary] = []
            var worstErrorRate = 0.0
            var interrupted = false
            var failed: [String] = []
            for s in suites where !interrupted {
                let bar = ProgressBar(label: s.id)
                let control = RunControl()
                var request = RunRequest(suite: s, endpoint: finalEndpoint, limit: finalLimit, name: name,
                                         resume: finalResume, retryErrors: retryErrors, config: cfg)
                request.control = control
                request.samples = finalSamples
                request.shard = shardSpec
                if let previousName = finalResume?.manifest["name"]?.stringValue { request.name = previousName }
                request.cache = cache.map { $0 ? .on : .off } ?? .auto
                request.errorBudget = errorBudget
                // A new run is summarised as its items are committed: no second pass over the store. A shard is
                // summarised from the store afterwards: its whole slice, whichever process sent each item.
                let live = LiveSummary(store: store)
                if finalResume == nil && shardSpec == nil { request.onStored = { live.add(runID: $0, $1) } }
                request.onLeaseWait = { printErr($0) }
                let finalRequest = request
                let task = Task { try await runner.run(finalRequest, progress: { bar.update($0) }) }
                let drainTimeout = self.drainTimeout
                interrupt.onInterrupt { presses in
                    if presses == 1 {
                        printErr("\nstopping: no new items; waiting up to \(Int(drainTimeout)) s for requests in flight (Ctrl-C again cancels them)")
                        control.drain()
                        Task {
                            try? await Task.sleep(nanoseconds: UInt64(drainTimeout * 1e9))
                            task.cancel()
                        }
                    } else {
                        printErr("\ncancelling requests in flight")
                        task.cancel()
                    }
                }
                let outcome = try await task.value
                bar.finish()
                interrupted = outcome.status == .interrupted
                let record = try store.run(matching: outcome.runID)
                if let shardSpec { reportShards(store: store, run: record, this: shardSpec, outcome: outcome) }
                let summary = try shardSpec.map { try Self.shardSummary(store: store, run: record, shard: $0) }
                    ?? live.summary(of: record) ?? Summarizer.summarize(run: record, store: store)
                if outcome.cacheHits > 0 && !json, let reuse = summary.performance.reuseSummary {
                    printErr("\(reuse) (response cache; --no-cache sends them)")
                }
                worstErrorRate = max(worstErrorRate, summary.performance.errorRate)
                if outcome.status == .failed {
                    failed.append(record.id)
                    if !json { printErr(failureNote(summary)) }
                }
                summaries.append(summary)
                if json {
                    var o = SummaryTables.json(summary)
                    if let shardSpec, case .object(var obj) = o {
                        let reports = try store.shards(runID: record.id)
                        obj["shards"] = ShardTables.json(reports, count: shardSpec.count)
                        obj["shard"] = .string(shardSpec.description)
                        obj["shard_run"] = Self.shardRunJSON(outcome, report: reports.first { $0.index == shardSpec.index })
                        o = .object(obj)
                    }
                    results.append(o)
                } else {
                    print(SummaryTables.overview(summary).render(.table))
                    print(SummaryTables.metricsTable(summary).render(.table))
                    print(SummaryTables.performanceTable(summary).render(.table))
                    if let sm = summary.sampling { print(SummaryTables.samplingTable(sm).render(.table)) }
                }
            }
            if json { print((results.count == 1 ? results[0] : .array(results)).prettyJSON) }
            if !json && summaries.count > 1 {
                print("All suites of this invocation:")
                print(SummaryTables.acrossRuns(summaries).render(.table))
            }
            if interrupted {
                printErr("interrupted: finished items are stored; the run is marked interrupted")
                throw ExitCode(130)
            }
            if worstErrorRate > errorBudget {
                printErr(String(format: "endpoint errors on %.0f%% of the items sent exceed the budget of %.0f%% (--error-budget)", worstErrorRate * 100, errorBudget * 100))
                throw ExitCode(3)
            }
            if !failed.isEmpty {
                printErr("every item sent ended in an endpoint error (run \(failed.joined(separator: ", ")))")
                throw ExitCode(3)
            }
        }
    }
}

extension RunCommand {
    /// Says on stderr what this process did for its shard and how far the sharded run is.
    func reportShards(store: any ResultStore, run: RunRecord, this: ShardSpec, outcome: RunOutcome) {
        guard let shards = try? store.shards(runID: run.id) else { return }
        if outcome.total > 0 && outcome.previouslyStored >= outcome.total {
            printErr("shard \(this): nothing to send, all \(outcome.total) of its items were stored before")
        } else if outcome.previouslyStored > 0 {
            printErr("shard \(this): resumed, \(outcome.previouslyStored) of its \(outcome.total) items were stored before")
        }
        let missing = ShardRecord.missing(shards, count: this.count)
        printErr(missing.isEmpty
            ? "shard \(this) done; all \(this.count) shards of run \(run.id) have completed"
            : "shard \(this) of run \(run.id) ended; shards not completed yet: \(missing.map(String.init).joined(separator: ", "))")
    }

    /// Why a run ended `failed` and how to continue it once the endpoint works.
    func failureNote(_ s: RunSummary) -> String {
        let p = s.performance
        let share = p.errors >= p.sent ? "every one of the \(p.sent) items sent" : "\(p.errors) of the \(p.sent) items sent"
        let top = p.topErrors.first.map { " (most often \($0.message))" } ?? ""
        return "run \(s.run.id) failed: \(share) ended in endpoint errors\(top); fix the endpoint, then "
            + "`mizan run --resume \(s.run.id) --retry-errors` re-sends them"
    }

    /// The summary of one shard's slice of a sharded run: every stored item of the shard, whichever process (a
    /// first attempt, a requeue) sent it, so the same shard reports the same numbers whatever its history. No wall
    /// time: the run's start and end span every shard, not this one.
    static func shardSummary(store: any ResultStore, run: RunRecord, shard: ShardSpec) throws -> RunSummary {
        var aggregator = SummaryAggregator(run: run)
        try store.forEachItem(runID: run.id) { if shard.contains($0.itemID) { aggregator.add($0) } }
        var summary = aggregator.summary(run: run)
        summary.wallSeconds = nil
        return summary
    }

    /// What this process did for its shard (`shard_run` in `run --json`): `start` is `fresh` (none of the shard's
    /// items were stored before), `resumed` (some were: a requeue, a retry, a second process that waited for
    /// the lease) or `already_complete` (all were: nothing sent, the shard's report left as it was).
    static func shardRunJSON(_ outcome: RunOutcome, report: ShardRecord?) -> JSONValue {
        let start = outcome.previouslyStored == 0 ? "fresh" : outcome.previouslyStored >= outcome.total ? "already_complete" : "resumed"
        return .object([
            "start": .string(start), "items": .number(Double(outcome.total)),
            "stored_before": .number(Double(outcome.previouslyStored)),
            "stored_now": .number(Double(max(0, outcome.stored - outcome.previouslyStored))),
            "status": report.map { .string($0.status.rawValue) } ?? .null,
        ])
    }

    /// Points at an interrupted run of the same suite content on the same endpoint and model.
    func offerResume(store: any ResultStore, suites: [Suite], endpoint: EndpointConfig) {
        guard let runs = try? store.runs() else { return }
        for s in suites {
            if let r = runs.first(where: { $0.suiteHash == s.contentHash && $0.endpoint == endpoint.name && $0.model == endpoint.model }),
               r.status == .interrupted {
                printErr("note: run \(r.id) of \(s.id) on this endpoint was interrupted; `mizan run --resume \(r.id)` sends only its missing items")
            }
        }
    }
}

/// Feeds committed items into a `SummaryAggregator` during a new run (the run loop calls `add`),
/// so the summary needs no second pass over the store; same result as `Summarizer.summarize(run:store:)`.
final class LiveSummary: Sendable {
    private let store: any ResultStore
    private let state = Locked<(aggregator: SummaryAggregator?, broken: Bool)>((nil, false))

    init(store: any ResultStore) { self.store = store }

    /// Adds a committed item; the first one reads its run's manifest (metrics, samples) from the store.
    func add(runID: String, _ item: ItemRecord) {
        state.withLock { s in
            if s.aggregator == nil && !s.broken {
                if let run = try? store.run(matching: runID) { s.aggregator = SummaryAggregator(run: run) } else { s.broken = true }
            }
            s.aggregator?.add(item)
        }
    }

    /// The summary of `run` from the items added; nil if none were (or the run could not be read).
    func summary(of run: RunRecord) -> RunSummary? {
        state.withLock { s in s.broken ? nil : s.aggregator?.summary(run: run) }
    }
}

/// Routes Ctrl-C presses to the current run (1st: drain, 2nd: cancel); a third exits at once.
final class InterruptHandler: @unchecked Sendable {
    // @unchecked Sendable: the signal source is set up once in `init`; the mutable state is a `Locked` value.
    private let source: any DispatchSourceSignal
    private let state = Locked<(presses: Int, action: (@Sendable (Int) -> Void)?)>((0, nil))

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [state] in
            let (presses, action) = state.withLock { s -> (Int, (@Sendable (Int) -> Void)?) in s.presses += 1; return (s.presses, s.action) }
            if presses <= 2 { action?(presses) } else { exit(130) }
        }
        source.resume()
    }

    /// Sets what a press does; it receives the press count (1 or 2).
    func onInterrupt(_ action: @escaping @Sendable (Int) -> Void) { state.withLock { $0.action = action } }
}

/// A progress bar on stderr (only when stderr is a terminal): done/total, rate, errors, ETA.
final class ProgressBar: Sendable {
    private let enabled = isatty(2) == 1
    private let label: String
    private let last = Locked(0.0)

    init(label: String) { self.label = label }

    func update(_ p: RunProgress) {
        guard enabled else { return }
        let now = p.elapsed
        let draw = last.withLock { l -> Bool in
            if now - l < 0.1 && p.done < p.total { return false }
            l = now
            return true
        }
        guard draw else { return }
        let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
        let eta = rate > 0 ? Double(p.total - p.done) / rate : 0
        let width = 24
        let filled = p.total > 0 ? width * p.done / p.total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.1f/s  errors %d  ETA %.0fs ", label, bar, p.done, p.total, rate, p.errors, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
