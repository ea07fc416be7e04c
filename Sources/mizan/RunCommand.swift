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

    @Option(help: "How likelihood suites are scored: auto (probe; llama.cpp-native, else openai-echo), llama.cpp-native, openai-echo, or chat-labels (next-token label probabilities, multiple choice only; a different method). Overrides the endpoint's `likelihood:`.")
    var likelihood: String?

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print one JSON object to stdout (run_id, items, errors, metrics) instead of tables.")
    var json = false

    /// The options as plain values for `RunPlan`.
    func options() throws -> RunOptions {
        var o = RunOptions()
        (o.suites, o.endpoint, o.kind, o.model, o.concurrency) = (suite, target.endpoint, try target.kind(), target.model, target.concurrency)
        (o.resume, o.retryErrors, o.limit, o.stream, o.samples) = (resume, retryErrors, limit, stream, samples)
        (o.name, o.temperature, o.shard, o.cache, o.errorBudget) = (name, temperature, shard, cache, errorBudget)
        o.likelihood = likelihood
        return o
    }

    func run() async throws {
        try await reportingErrors {
            let project = try storeOptions.project()
            let cfg = try project.loadConfig()
            let plan = try RunPlan(run: try options(), config: cfg, project: project, store: try storeOptions.openStore(cfg, create: true))
            for (s, r) in plan.interruptedRuns() {
                printErr("note: run \(r.id) of \(s.id) on this endpoint was interrupted; `mizan run --resume \(r.id)` sends only its missing items")
            }
            var results: [JSONValue] = []
            var summaries: [RunSummary] = []
            var interrupted = false
            var failed: [String] = []
            try await RunSession(plan: plan, drainTimeout: drainTimeout, summarize: true).execute { done in
                let (outcome, record) = (done.outcome, done.record)
                interrupted = outcome.status == .interrupted
                guard let summary = done.summary else { return }
                if outcome.cacheHits > 0 && !json, let reuse = summary.performance.reuseSummary {
                    printErr("\(reuse) (response cache; --no-cache sends them)")
                }
                if outcome.status == .failed {
                    failed.append(record.id)
                    if !json { printErr(failureNote(summary)) }
                }
                summaries.append(summary)
                if json {
                    results.append(try Self.json(summary, shard: plan.shard, outcome: outcome, store: plan.store))
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
            let worstErrorRate = summaries.map(\.performance.errorRate).max() ?? 0
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
    /// Why a run ended `failed` and how to continue it once the endpoint works.
    func failureNote(_ s: RunSummary) -> String {
        let p = s.performance
        let share = p.errors >= p.sent ? "every one of the \(p.sent) items sent" : "\(p.errors) of the \(p.sent) items sent"
        let top = p.topErrors.first.map { " (most often \($0.message))" } ?? ""
        return "run \(s.run.id) failed: \(share) ended in endpoint errors\(top); fix the endpoint, then "
            + "`mizan run --resume \(s.run.id) --retry-errors` re-sends them"
    }

    /// The `run --json` object of one suite's run; a shard's adds every shard's report and what this process did.
    static func json(_ summary: RunSummary, shard: ShardSpec?, outcome: RunOutcome, store: any ResultStore) throws -> JSONValue {
        let o = SummaryTables.json(summary)
        guard let shard, case .object(var obj) = o else { return o }
        let reports = try store.shards(runID: outcome.runID)
        obj["shards"] = ShardTables.json(reports, count: shard.count)
        obj["shard"] = .string(shard.description)
        obj["shard_run"] = shardRunJSON(outcome, report: reports.first { $0.index == shard.index })
        return .object(obj)
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
}
