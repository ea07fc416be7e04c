import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// `RunPlan`: what `mizan run`, `mizan run --resume` and `mizan gate` decide before sending anything, checked
/// without launching mizan, against runs stored in a real SQLite file by a real run on the test server.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RunPlanTests {
    /// A project folder with a five-item suite under `Prompts/t-suite`, a store and a test server.
    struct Fixture {
        let dir: String
        let folder: String
        let project: Project
        let store: SQLiteStore
        let server: TestHTTPServer
        /// The server's OpenAI base URL, used as the endpoint name (as `--endpoint URL` does).
        var url: String { server.baseURL + "/v1" }

        init() throws {
            dir = TestEnv.tempDir()
            folder = try TestEnv.writeSuite(in: dir + "/Prompts", items: (0..<5).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
            project = try Project.locate(environment: ["MIZAN_HOME": dir], cwd: FileManager.default.currentDirectoryPath)
            store = try SQLiteStore(path: dir + "/r.sqlite")
            server = try TestHTTPServer(responder: EndToEndTests.answering())
        }

        /// Stores a finished run of the suite made with these settings and returns it.
        func storedRun(kind: EndpointKind = .openaiChat, stream: Bool = false, temperature: Double? = nil, samples: Int = 1,
                       limit: Int? = nil, name: String? = nil, shard: ShardSpec? = nil) async throws -> RunRecord {
            var suite = try SuiteLoader.load(folder: folder)
            suite.generation.temperature = temperature
            let endpoint = EndpointConfig(name: url, url: url, kind: kind, model: "m1", stream: stream)
            var request = RunRequest(suite: suite, endpoint: endpoint, limit: limit, name: name)
            request.samples = samples
            request.shard = shard
            let outcome = try await Runner(store: store, harnessVersion: "test").run(request)
            return try store.run(matching: outcome.runID)
        }

        /// The plan of `mizan run` with these options.
        func plan(_ options: RunOptions, config: MizanConfig = MizanConfig()) throws -> RunPlan {
            try RunPlan(run: options, config: config, project: project, store: store)
        }
    }

    /// Options with only `--resume` set (and whatever `edit` adds).
    static func resuming(_ run: RunRecord, _ edit: (inout RunOptions) -> Void = { _ in }) -> RunOptions {
        var o = RunOptions()
        o.resume = run.id
        edit(&o)
        return o
    }

    /// The message of the usage error `body` throws (nil if it throws none).
    static func usageMessage(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as UsageError { return e.message } catch { return "not a usage error: \(error)" }
        return nil
    }

    @Test func resumeTakesEverySettingFromTheStoredRun() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        let stored = try await f.storedRun(kind: .openaiCompletions, stream: true, temperature: 0.4, samples: 2, limit: 3, name: "nightly")
        let plan = try f.plan(Self.resuming(stored))
        #expect(plan.resume?.id == stored.id)
        #expect(plan.steps.count == 1)
        let step = try #require(plan.steps.first)
        #expect(step.suite.path == f.folder && step.suite.id == "t-suite", "the suite is found where the run recorded it")
        #expect(step.suite.generation.temperature == 0.4 && step.limit == 3 && step.samples == 2)
        // The URL alone would give openai-chat; the stored run's kind wins.
        #expect(plan.endpoint.kind == .openaiCompletions && plan.endpoint.stream && plan.endpoint.model == "m1" && plan.endpoint.url == f.url)
        #expect(plan.name == "nightly" && plan.cache == .auto && plan.shard == nil)
        let request = plan.request(for: step)
        #expect(request.resume?.id == stored.id && request.limit == 3 && request.samples == 2 && request.name == "nightly")

        // Options given on the command line win where the run allows it; the run's name is kept.
        let overridden = try f.plan(Self.resuming(stored) { $0.kind = .openaiChat; $0.model = "m2"; $0.samples = 1; $0.limit = 5; $0.name = "other" })
        #expect(overridden.endpoint.kind == .openaiChat && overridden.endpoint.model == "m2")
        #expect(overridden.steps.first?.samples == 1 && overridden.steps.first?.limit == 5 && overridden.name == "nightly")

        // The plan continues the run: resuming sends nothing new and completes it with the same id.
        let outcome = try await Runner(store: f.store, harnessVersion: "test").run(request)
        #expect(outcome.runID == stored.id && outcome.status == .completed && outcome.previouslyStored == outcome.total)
    }

    @Test func resumeRefusesADifferentTemperature() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        let warm = try await f.storedRun(temperature: 0.4)
        #expect(Self.usageMessage { _ = try f.plan(Self.resuming(warm) { $0.temperature = 0.7 }) }
            == "--temperature 0.7 differs from the resumed run's 0.4; resume with the same settings")
        #expect(try f.plan(Self.resuming(warm) { $0.temperature = 0.4 }).steps.first?.suite.generation.temperature == 0.4)
        let suiteDefault = try await f.storedRun()
        #expect(Self.usageMessage { _ = try f.plan(Self.resuming(suiteDefault) { $0.temperature = 0 }) }
            == "--temperature 0.0 differs from the resumed run's suite default; resume with the same settings")
        #expect(try f.plan(Self.resuming(suiteDefault)).steps.first?.suite.generation.temperature == nil)
    }

    @Test func resumeRefusesSeveralSuitesAndAShardedRunWithoutItsShard() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        let plain = try await f.storedRun()
        #expect(Self.usageMessage { _ = try f.plan(Self.resuming(plain) { $0.suites = [f.folder, f.folder] }) }
            == "--resume continues one run; give at most one --suite")
        let sharded = try await f.storedRun(name: "split", shard: try ShardSpec(index: 0, count: 2))
        #expect(Self.usageMessage { _ = try f.plan(Self.resuming(sharded)) }
            == "run \(sharded.id) is split in 2 shards; resume one shard with `mizan run --resume \(sharded.id) --shard i/2` (or re-run that shard's command)")
        let shardPlan = try f.plan(Self.resuming(sharded) { $0.shard = "1/2" })
        let second = try ShardSpec(index: 1, count: 2)
        #expect(shardPlan.shard == second && shardPlan.name == "split")
        #expect(Self.usageMessage { _ = try f.plan(Self.resuming(plain) { $0.resume = "no-such-run" }) }?.hasPrefix("no run 'no-such-run'") == true)
    }

    @Test func usageErrorsComeBeforeTheStoreIsCreated() throws {
        let dir = TestEnv.tempDir()
        let project = try Project.locate(environment: ["MIZAN_HOME": dir], cwd: FileManager.default.currentDirectoryPath)
        let path = dir + "/never.sqlite"
        func message(_ edit: (inout RunOptions) -> Void) -> String? {
            var o = RunOptions()
            (o.suites, o.endpoint) = (["t-suite"], "http://127.0.0.1:9/v1")
            edit(&o)
            return Self.usageMessage { _ = try RunPlan(run: o, config: MizanConfig(), project: project, store: try SQLiteStore(path: path)) }
        }
        #expect(message { $0.limit = 0 } == "--limit must be at least 1")
        #expect(message { $0.retryErrors = true } == "--retry-errors goes with --resume <run-id>")
        #expect(message { $0.shard = "0/2" } == ShardSpec.needsName.message)
        #expect(message { $0.shard = "2/2"; $0.name = "x" }?.hasPrefix("--shard 2/2: shards are numbered from 0") == true)
        #expect(!FileManager.default.fileExists(atPath: path), "a usage error must not create the store")
    }

    @Test func newRunPlanChecksAndAppliesItsOptions() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        func options(_ edit: (inout RunOptions) -> Void = { _ in }) -> RunOptions {
            var o = RunOptions()
            (o.suites, o.endpoint) = (["t-suite"], f.url)
            edit(&o)
            return o
        }
        #expect(Self.usageMessage { _ = try f.plan(options { $0.endpoint = nil }) } == "give --suite and --endpoint (or --resume <run-id>)")
        #expect(Self.usageMessage { _ = try f.plan(options { $0.temperature = -1 }) } == "--temperature must be 0 or more (got -1.0)")
        #expect(Self.usageMessage { _ = try f.plan(options { $0.samples = 0 }) } == "--samples must be at least 1")
        let plan = try f.plan(options { $0.temperature = 0; $0.cache = false; $0.stream = true; $0.errorBudget = 0.1; $0.concurrency = 3 })
        let step = try #require(plan.steps.first)
        #expect(step.suite.id == "t-suite" && step.suite.generation.temperature == 0 && step.limit == nil && step.samples == 1)
        #expect(plan.cache == .off && plan.endpoint.stream && plan.endpoint.kind == .openaiChat && plan.endpoint.concurrency == 3)
        #expect(plan.request(for: step).errorBudget == 0.1 && plan.resume == nil)
        #expect(try f.plan(options { $0.cache = true }).cache == .on)

        // A named endpoint comes from the configuration file.
        let config = MizanConfig(endpoints: ["local": EndpointConfig(name: "local", url: f.url, kind: .openaiCompletions, model: "cfg-model")])
        let named = try f.plan(options { $0.endpoint = "local" }, config: config)
        #expect(named.endpoint.kind == .openaiCompletions && named.endpoint.model == "cfg-model")

        // An interrupted run of the same suite content, endpoint and model is offered for --resume.
        #expect(plan.interruptedRuns().isEmpty)
        let stored = try await f.storedRun()
        try f.store.setStatus(runID: stored.id, status: .interrupted)
        let fresh = try f.plan(options { $0.model = "m1" })
        #expect(fresh.interruptedRuns().map(\.run.id) == [stored.id])
        #expect(try f.plan(options { $0.model = "m2" }).interruptedRuns().isEmpty, "another model's run is not offered")
        #expect(try f.plan(Self.resuming(stored)).interruptedRuns().isEmpty, "a resumed run offers nothing")
    }

    @Test func gatePlanTakesItemCountSamplesAndKindFromTheBaseline() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        let base = try await f.storedRun(kind: .openaiCompletions, samples: 2, limit: 3)
        func gate(_ edit: (inout RunOptions) -> Void = { _ in }, config: MizanConfig = MizanConfig()) throws -> RunPlan {
            var o = RunOptions()
            o.endpoint = f.url
            edit(&o)
            return try RunPlan(gate: o, baseline: [base], config: config, project: f.project, store: f.store)
        }
        let plan = try gate()
        let step = try #require(plan.steps.first)
        #expect(plan.steps.count == 1 && step.suite.path == f.folder && step.limit == 3 && step.samples == 2)
        #expect(plan.endpoint.kind == .openaiCompletions && plan.cache == .off && plan.resume == nil && plan.shard == nil)
        let given = try gate { $0.limit = 5; $0.samples = 1; $0.kind = .openaiChat }
        #expect(given.steps.first?.limit == 5 && given.steps.first?.samples == 1 && given.endpoint.kind == .openaiChat)
        // A configured endpoint keeps its own kind: the baseline's applies only to a bare URL.
        let config = MizanConfig(endpoints: ["local": EndpointConfig(name: "local", url: f.url, kind: .openaiChat)])
        #expect(try gate({ $0.endpoint = "local" }, config: config).endpoint.kind == .openaiChat)

        let other = try TestEnv.writeSuite(in: f.dir + "/Prompts", id: "other-suite", items: [#"{"id":"x","input":"q 1","reference":"a 1"}"#])
        #expect(Self.usageMessage { _ = try gate { $0.suites = [other] } }
            == "the baseline has no run of suite other-suite; save a baseline that includes it")
    }

    @Test func liveSummaryEqualsTheSummaryReadFromTheStore() async throws {
        let f = try Fixture()
        defer { f.server.stop() }
        var options = RunOptions()
        (options.suites, options.endpoint, options.samples) = ([f.folder], f.url, 2)
        let plan = try f.plan(options)
        let live = LiveSummary(store: f.store)
        var request = plan.request(for: try #require(plan.steps.first))
        request.onStored = { live.add(runID: $0, $1) }
        let outcome = try await Runner(store: f.store, harnessVersion: "test").run(request)
        let record = try f.store.run(matching: outcome.runID)
        let summary = try #require(live.summary(of: record))
        let stored = try Summarizer.summarize(run: record, store: f.store)
        #expect(summary.performance.sent == 10)
        #expect(SummaryTables.json(summary) == SummaryTables.json(stored))
        #expect(LiveSummary(store: f.store).summary(of: record) == nil, "no item added, no summary")
    }
}
