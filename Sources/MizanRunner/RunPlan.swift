import Foundation
import MizanCore
import MizanEndpoints
import MizanStore
import MizanSuites

/// What `mizan run` (or `mizan gate`, for the candidate it runs) was asked, as plain values: the command-line
/// options before anything is reconciled with the configuration file or a stored run.
public struct RunOptions: Sendable {
    /// Suites to run (`--suite`): ids, `id@version` or folders.
    public var suites: [String] = []
    /// The endpoint (`--endpoint`): a configured name or a URL.
    public var endpoint: String?
    /// The endpoint kind (`--api`), overriding the configuration.
    public var kind: EndpointKind?
    /// The model (`--model`), overriding the configuration.
    public var model: String?
    /// Requests in flight (`--concurrency N|auto`), overriding the configuration.
    public var concurrency: ConcurrencyChoice?
    /// A stored run to continue (`--resume`): a run id or an unambiguous prefix.
    public var resume: String?
    /// With `resume`: re-send items that ended in an endpoint error (`--retry-errors`).
    public var retryErrors = false
    /// Only the first N items of each suite (`--limit`).
    public var limit: Int?
    /// Stream responses (`--stream`).
    public var stream = false
    /// Generations per item (`--samples`).
    public var samples: Int?
    /// The run's name (`--name`).
    public var name: String?
    /// Sampling temperature for every suite (`--temperature`).
    public var temperature: Double?
    /// This process's shard, `i/n` as typed (`--shard`).
    public var shard: String?
    /// Response cache (`--cache` true, `--no-cache` false, nil: automatic).
    public var cache: Bool?
    /// Share of items allowed to end in endpoint errors (`--error-budget`).
    public var errorBudget: Double?
    /// How likelihood suites are scored (`--likelihood`), overriding the endpoint's `likelihood:`.
    public var likelihood: String?

    /// No options given.
    public init() {}
}

/// Everything a run invocation will do, decided before any request is sent: the store, the resolved endpoint,
/// the loaded suites with their item selection, and the settings reconciled with a resumed run (`--resume`) or
/// a gate's baseline. `mizan run` and `mizan gate` build one and hand each step's `request(for:)` to `Runner`.
public struct RunPlan: Sendable {
    /// One suite of the plan.
    public struct Step: Sendable {
        /// The loaded suite (with the plan's temperature applied).
        public var suite: Suite
        /// Only the first N items, if set.
        public var limit: Int?
        /// Generations per item.
        public var samples: Int
    }

    /// Where the runs are stored.
    public var store: any ResultStore
    /// The suites, run one after another.
    public var steps: [Step]
    /// The endpoint, resolved from the configuration file and the overrides.
    public var endpoint: EndpointConfig
    /// The run name recorded in the manifest (a resumed run keeps its own).
    public var name: String?
    /// The stored run being continued, if any.
    public var resume: RunRecord?
    /// With `resume`: re-send items that ended in an endpoint error.
    public var retryErrors = false
    /// This process's shard of a sharded run.
    public var shard: ShardSpec?
    /// Whether stored responses are reused.
    public var cache = CacheMode.auto
    /// Share of items allowed to end in endpoint errors before a run is `failed`.
    public var errorBudget: Double?
    /// The configuration file (for `judge` metrics).
    public var config: MizanConfig

    /// The plan of `mizan run`. The options are checked before `store` is evaluated, so a usage error never
    /// creates a store; with `resume`, the suite, endpoint, kind, model, item limit, streaming, temperature,
    /// samples and name come from the stored run unless given, and a differing temperature or a missing shard
    /// is refused.
    public init(run options: RunOptions, config: MizanConfig, project: Project,
                store openStore: @autoclosure () throws -> any ResultStore) throws {
        if let limit = options.limit, limit < 1 { throw UsageError("\(CLIFlag.limit) must be at least 1") }
        if options.retryErrors && options.resume == nil { throw UsageError("\(CLIFlag.retryErrors) goes with \(CLIFlag.resume) <run-id>") }
        let shard = try options.shard.map { try ShardSpec(parsing: $0) }
        if shard != nil && options.resume == nil && (options.name ?? "").isEmpty { throw ShardSpec.needsName }
        let likelihood = try options.likelihood.map { raw in
            guard let selection = LikelihoodSelection(rawValue: raw) else {
                throw UsageError("unknown \(CLIFlag.likelihood) '\(raw)'; use \(LikelihoodSelection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return selection
        }
        let store = try openStore()
        var kind = options.kind
        var suiteArgs = options.suites
        var endpointArg = options.endpoint
        var limit = options.limit
        var resumed: RunRecord?
        var recorded: RunManifest?
        if let id = options.resume {
            let previous = try store.run(matching: id)
            let manifest = previous.runManifest
            recorded = manifest
            guard options.suites.count <= 1 else { throw UsageError("\(CLIFlag.resume) continues one run; give at most one \(CLIFlag.suite)") }
            if suiteArgs.isEmpty { suiteArgs = [Self.suiteSpec(for: previous, project: project)] }
            endpointArg = endpointArg ?? previous.endpoint
            limit = limit ?? previous.itemCount
            if kind == nil { kind = manifest.endpointKind }
            resumed = previous
            if let n = ShardSpec.count(of: previous), shard == nil {
                throw UsageError("run \(previous.id) is split in \(n) shards; resume one shard with "
                    + "`\(CLICommand.run) \(CLIFlag.resume) \(previous.id) \(CLIFlag.shard) i/\(n)` (or re-run that shard's command)")
            }
        }
        guard let endpointArg, !suiteArgs.isEmpty else {
            throw UsageError("give \(CLIFlag.suite) and \(CLIFlag.endpoint) (or \(CLIFlag.resume) <run-id>)")
        }
        var endpoint = try config.resolve(endpoint: endpointArg, kind: kind, model: options.model ?? resumed?.model,
                                          concurrency: options.concurrency)
        if options.stream || recorded?.endpoint?.config?.stream == true { endpoint.stream = true }
        if let likelihood { endpoint.likelihood = likelihood }
        var suites = try suiteArgs.map { try SuiteLoader.load(folder: try SuiteCatalog.resolve($0, promptsDir: project.promptsDir), streaming: true) }
        if let t = options.temperature, !(t >= 0) { throw UsageError("\(CLIFlag.temperature) must be 0 or more (got \(t))") }
        let temperature = recorded?.generation?.temperature
        if let t = options.temperature, resumed != nil, t != temperature {
            throw UsageError("\(CLIFlag.temperature) \(t) differs from the resumed run's \(temperature.map { String($0) } ?? "suite default"); resume with the same settings")
        }
        if let t = options.temperature ?? temperature { for i in suites.indices { suites[i].generation.temperature = t } }
        let samples = options.samples ?? recorded?.samples?.count ?? 1
        guard samples >= 1 else { throw UsageError("\(CLIFlag.samples) must be at least 1") }
        self.store = store
        self.steps = suites.map { Step(suite: $0, limit: limit, samples: samples) }
        self.endpoint = endpoint
        self.name = recorded?.name ?? options.name
        self.resume = resumed
        self.retryErrors = options.retryErrors
        self.shard = shard
        self.cache = options.cache.map { $0 ? .on : .off } ?? .auto
        self.errorBudget = options.errorBudget
        self.config = config
    }

    /// The plan of the candidate `mizan gate` runs now against `options.endpoint`: every baseline suite (or
    /// `options.suites`, each matched to the baseline run of the same suite) with the baseline's item count and
    /// samples unless given, the baseline's endpoint kind when the endpoint is a URL and no kind is given, and
    /// the response cache off (a gate measures the endpoint as it is now).
    public init(gate options: RunOptions, baseline: [RunRecord], config: MizanConfig, project: Project,
                store: any ResultStore) throws {
        guard let endpointArg = options.endpoint else {
            throw UsageError("give \(CLIFlag.endpoint) to run the candidate now, or \(CLIFlag.candidate) RUN-ID for a stored run")
        }
        var kind = options.kind
        if kind == nil, endpointArg.contains("://") { kind = baseline.first?.runManifest.endpointKind }
        var endpoint = try config.resolve(endpoint: endpointArg, kind: kind, model: options.model, concurrency: options.concurrency)
        if options.stream { endpoint.stream = true }
        let specs: [(spec: String, base: RunRecord?)] = options.suites.isEmpty
            ? baseline.map { (Self.suiteSpec(for: $0, project: project), $0) }
            : options.suites.map { ($0, nil) }
        self.steps = try specs.map { spec, knownBase in
            let loaded = try SuiteLoader.load(folder: try SuiteCatalog.resolve(spec, promptsDir: project.promptsDir))
            guard let base = knownBase ?? baseline.first(where: { $0.suiteID == loaded.id }) else {
                throw UsageError("the baseline has no run of suite \(loaded.id); save a baseline that includes it")
            }
            return Step(suite: loaded, limit: options.limit ?? base.itemCount, samples: options.samples ?? base.runManifest.samples?.count ?? 1)
        }
        self.store = store
        self.endpoint = endpoint
        self.name = options.name
        self.cache = .off
        self.errorBudget = options.errorBudget
        self.config = config
    }

    /// The request that runs `step` (no progress hooks or run control set).
    public func request(for step: Step) -> RunRequest {
        var request = RunRequest(suite: step.suite, endpoint: endpoint, limit: step.limit, name: name, resume: resume,
                                 retryErrors: retryErrors, config: config)
        request.samples = step.samples
        request.shard = shard
        request.cache = cache
        request.errorBudget = errorBudget
        return request
    }

    /// For a new run: interrupted stored runs of the same suite content on the same endpoint and model as a step
    /// of this plan (at most one per suite: the newest run of that content), which `--resume` could continue.
    public func interruptedRuns() -> [(suite: Suite, run: RunRecord)] {
        guard resume == nil, let runs = try? store.runs() else { return [] }
        return steps.compactMap { step in
            let s = step.suite
            guard let r = runs.first(where: { $0.suiteHash == s.contentHash && $0.endpoint == endpoint.name && $0.model == endpoint.model }),
                  r.status == .interrupted else { return nil }
            return (s, r)
        }
    }

    /// Where to find a stored run's suite: its recorded folder (as recorded, or inside the project when it was
    /// recorded relative to the project root) if that still holds the same version, else `id@version`.
    public static func suiteSpec(for run: RunRecord, project: Project) -> String {
        if let path = run.runManifest.suite?.path {
            for folder in [path] + (path.hasPrefix("/") ? [] : [project.path(fromRoot: path)]) {
                if let header = try? SuiteLoader.load(folder: folder, streaming: true), header.id == run.suiteID, header.version == run.suiteVersion {
                    return folder
                }
            }
        }
        return "\(run.suiteID)@\(run.suiteVersion)"
    }
}

extension RunManifest {
    /// The endpoint kind the run used (nil if not recorded or unknown to this mizan).
    var endpointKind: EndpointKind? { endpoint?.config?.kind.flatMap { EndpointKind(rawValue: $0) } }
}
