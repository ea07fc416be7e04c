import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanReport
import MizanStore
import MizanSuites
import MizanTestSupport

@testable import MizanRunner

/// `RunManifest`: every manifest shape mizan has written loads, reads its fields, and converts back to the
/// same JSON; the typed writers write exactly what the hand-built JSON writers wrote (docs/manifest.md).
@Suite(.timeLimit(.minutes(5))) struct RunManifestTests {
    static let fixtures = ["v1-initial", "v2-retries-rescores", "v3-samples-real-gemma-baseline", "v4-shards-samples", "v5-cache",
                           "v6-cluster", "newer-unknown-keys"]

    static func fixture(_ name: String) throws -> JSONValue {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("manifests/\(name).json")
        return try StrictJSON.parse(try String(contentsOf: url, encoding: .utf8))
    }

    /// Paths where two JSON values differ (`a.b[2].c`), for messages that name the key.
    static func differences(_ a: JSONValue?, _ b: JSONValue?, at path: String = "") -> [String] {
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            return Set(x.keys).union(y.keys).sorted().flatMap { differences(x[$0], y[$0], at: path.isEmpty ? $0 : path + "." + $0) }
        case (.array(let x)?, .array(let y)?) where x.count == y.count:
            return zip(x, y).enumerated().flatMap { i, p in differences(p.0, p.1, at: "\(path)[\(i)]") }
        default:
            return a == b ? [] : [path.isEmpty ? "(root)" : path]
        }
    }

    @Test(arguments: fixtures) func everyFixtureConvertsBackToTheSameJSON(name: String) throws {
        let stored = try Self.fixture(name)
        let manifest = RunManifest(json: stored)
        #expect(Self.differences(manifest.json, stored) == [])
        #expect(manifest.json.canonicalJSON == stored.canonicalJSON, "\(name)")
        // Codable goes through the same JSON.
        let decoded = try JSONDecoder().decode(RunManifest.self, from: Data(stored.canonicalJSON.utf8))
        #expect(decoded == manifest, "\(name)")
        let encoded = try StrictJSON.parse(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self))
        #expect(Self.differences(encoded, stored) == [])
        #expect(manifest.manifestVersion == 1)
    }

    @Test func theFirstManifestsReadWithoutTheKeysAddedLater() throws {
        let m = RunManifest(json: try Self.fixture("v1-initial"))
        #expect(m.name == "darija-first")
        #expect(m.suite?.id == "starter-ary-arab" && m.suite?.itemsSelected == 20 && m.suite?.itemsTotal == 40 && m.suite?.task == "generation")
        #expect(m.suite?.cluster == nil && m.retries == nil && m.samples == nil && m.cache == nil && m.shards == nil && m.rescores == nil)
        let config = try #require(m.endpoint?.config)
        #expect(config.kind == "ollama" && config.stream == true && config.apiKeyEnv == "OLLAMA_KEY" && config.proxy == "env")
        #expect(config.headers == ["X-Team": "<set>", "Authorization": "<from $TEAM_TOKEN>"] && config.params == ["num_ctx": .number(4096)])
        #expect(config.retries == nil && config.rateLimit == nil && config.maxResponseBytes == nil)
        #expect(config.timeouts?.connect == 10 && config.timeouts?.total == 300 && config.tls?.insecure == false)
        #expect(m.endpoint?.server?["show"]?["details"]?["family"]?.stringValue == "gemma3")
        #expect(m.generation?.maxTokens == 32 && m.generation?.temperature == 0 && m.generation?.topP == nil && m.generation?.stop == ["\n"])
        #expect(m.metricSpecs.map(\.name) == ["contains"] && m.metricVersion("contains") == "contains/1 l1")
        #expect(m.normalizers == ["ary-Arab": ["l0": "l0/1", "l1": "ar-l1/1"]])
        #expect(m.harness?.gitCommit == "8b5a77c724869eb0baa762bc3a41c81e2bf7e0e5" && m.host?.cpus == 2)
        #expect(m.extra.isEmpty && m.suite?.extra.isEmpty == true && config.extra.isEmpty && m.generation?.extra == ["top_p": .null, "seed": .null])
    }

    @Test func retriesRescoresSamplesShardsCacheAndClusterReadFromTheirVersions() throws {
        let v2 = RunManifest(json: try Self.fixture("v2-retries-rescores"))
        #expect(v2.name == nil && v2.retries?.maxRetries == 3 && v2.retries?.baseDelay == 0.5)
        #expect(v2.endpoint?.config?.rateLimit?.requestsPerSecond == 5 && v2.endpoint?.config?.rateLimit?.tokensPerMinute == nil)
        #expect(v2.endpoint?.config?.timeouts?.total == nil && v2.endpoint?.config?.tls?.caBundle == "/etc/ssl/team-ca.pem")
        let rescore = try #require(v2.rescores?.first)
        #expect(rescore.itemsScored == 39 && rescore.itemsSkipped == 1 && rescore.harness?.gitCommit == nil)
        #expect(rescore.metrics?.first?.options?["rubric"] == .string("rubric.md"))

        let real = RunManifest(json: try Self.fixture("v3-samples-real-gemma-baseline"))
        #expect(real.samples?.count == 1 && real.samples?.seeds == nil && real.cache == nil && real.suite?.cluster == nil)
        #expect(real.metricSpecs.map(\.name) == ["chrf++", "bleu", "fidelity"] && real.metricSpecs[1].options == ["tokenize": .string("intl")])
        #expect(real.endpoint?.config?.kind == "openai-completions" && real.endpoint?.config?.timeouts?.total == 120)
        #expect(real.endpoint?.server?["props"]?["total_slots"] == .number(2) && real.generation?.maxTokens == 96)
        #expect(real.normalizers?["arb-Arab"]?["l1"] == "ar-l1/1" && real.suite?.itemsSelected == 20 && real.name == "ci-baseline")

        let v4 = RunManifest(json: try Self.fixture("v4-shards-samples"))
        #expect(v4.shards?.count == 4 && v4.samples?.count == 3 && v4.samples?.seeds == [1, 2, 3] && v4.generation?.topP == 0.95)
        #expect(v4.cache == nil && v4.suite?.task == "multiple-choice")

        let v5 = RunManifest(json: try Self.fixture("v5-cache"))
        #expect(v5.cache?.mode == "auto" && v5.cache?.enabled == true && v5.cache?.hits == 12)

        let v6 = RunManifest(json: try Self.fixture("v6-cluster"))
        #expect(v6.suite?.cluster == "passage" && v6.endpoint?.config?.maxResponseBytes == 2_097_152 && v6.rescores?.count == 2)
        #expect(v6.cache?.enabled == false && v6.metricVersion("exact") == "exact/1 l1")
    }

    @Test func keysOfANewerMizanAreKeptThroughAChange() throws {
        let stored = try Self.fixture("newer-unknown-keys")
        var m = RunManifest(json: stored)
        #expect(m.likelihood?.method == "llama.cpp-native" && m.likelihood?.contextSize == 2048)
        #expect(m.likelihood?.server?["build_info"] == .string("b4000") && m.likelihood?.extra == ["tokenizer": .string("spm")])
        #expect(m.extra["provenance"]?["signed_by"] == .string("ci") && m.suite?.extra["scoring"] == .string("loglikelihood"))
        #expect(m.endpoint?.config?.extra["likelihood"] == .string("auto") && m.endpoint?.config?.timeouts?.extra["first_byte"] == .number(15))
        #expect(m.rescores?.first?.harness?.extra["build"] == .string("release") && m.metrics?.first?.extra["direction"] == .string("higher"))

        let entry = RunManifest.MetricEntry(name: "exact", version: "exact/2 l1", options: ["normalize": .string("l1")])
        m = m.recordingRescore(RunManifest.Rescore(at: "2027-01-02T00:00:00.000Z", metrics: [entry], itemsScored: 1, itemsSkipped: 0,
                                                   harness: RunManifest.Harness(version: "0.1.0", gitCommit: nil)))
        m.cache?.hits = 13
        let after = m.json
        #expect(Self.differences(after, stored) == ["cache.hits", "metrics[1].version", "rescores"])
        #expect(after["rescores"]?.canonicalJSON.contains("normalizer bump") == true)
    }

    @Test func aValueOfAnUnexpectedTypeIsKeptAndReadsAsAbsent() throws {
        let stored = try StrictJSON.parse(#"{"name": 7, "samples": {"count": 2.5, "seeds": [1, "x"]}, "suite": "odd", "normalizers": {"x": 1}}"#)
        let m = RunManifest(json: stored)
        #expect(m.name == nil && m.samples?.count == nil && m.samples?.seeds == nil && m.suite == nil && m.normalizers == nil)
        #expect(m.json == stored)
        #expect(RunManifest(json: .null).json == .object([:]))
    }

    /// The typed writers against the hand-built ones they replaced, on the same inputs.
    @Test(arguments: [false, true]) func theWritersWriteTheSameJSONAsBefore(clustered: Bool) throws {
        var suite = Suite(id: "t", version: "1.2.0", language: LanguageTag("ary-Arab")!, task: .generation, template: "س: {{input}}",
                          system: clustered ? "جاوب" : nil,
                          metrics: [MetricSpec(name: "exact", options: ["normalize": .string("l1")]), MetricSpec(name: "chrf")],
                          generation: GenerationSettings(maxTokens: clustered ? 16 : nil, temperature: 0.7, stop: ["\n"]),
                          items: [SuiteItem(id: "a", input: "x")], contentHash: "h", path: "/p/t")
        suite.cluster = clustered ? "passage" : nil
        let metrics = try suite.metrics.map { try MetricRegistry.make($0) }
        let endpoint = try #require(try Self.fixture("v3-samples-real-gemma-baseline")["endpoint"])
        let languages = [LanguageTag("ary-Arab")!, LanguageTag("fra-Latn")!]
        let retry = RetryPolicy(maxRetries: 2, baseDelay: 0.25)
        let samples = clustered ? 3 : 1
        let made = Manifest.make(suite: suite, languages: languages, itemsSelected: 1, endpoint: endpoint, metrics: metrics, harnessVersion: "9.9",
                                 name: clustered ? "named" : nil, retry: retry, samples: samples, seedBase: 5)
        let legacy = LegacyManifestWriters.make(suite: suite, languages: languages, itemsSelected: 1, endpoint: endpoint, metrics: metrics,
                                                harnessVersion: "9.9", name: clustered ? "named" : nil, retry: retry, samples: samples, seedBase: 5)
        #expect(Self.differences(made.json, legacy) == [])

        let cached = Manifest.withCache(made, mode: .auto, enabled: true, newHits: 4)
        #expect(Self.differences(cached.json, LegacyManifestWriters.withCache(legacy, mode: .auto, enabled: true, newHits: 4)) == [])
        let again = Manifest.withCache(cached, mode: .auto, enabled: true, newHits: 3)
        #expect(again.cache?.hits == 7)
        #expect(Self.differences(again.json, LegacyManifestWriters.withCache(cached.json, mode: .auto, enabled: true, newHits: 3)) == [])
        let sharded = try ShardSpec(index: 0, count: 3).annotate(made)
        #expect(Self.differences(sharded.json, LegacyManifestWriters.annotate(legacy, shards: 3)) == [])
    }

    @Test(arguments: fixtures) func aRescoreRecordsWhatItRecordedBefore(name: String) throws {
        let stored = try Self.fixture(name)
        let entries = [RunManifest.MetricEntry(name: "exact", version: "exact/1 none", options: ["normalize": .string("none")]),
                       RunManifest.MetricEntry(name: "chrf", version: "chrf/1", options: [:])]
        let rescore = RunManifest.Rescore(at: "2026-12-06T18:00:00.000Z", metrics: entries, itemsScored: 3, itemsSkipped: 1,
                                          harness: Manifest.harness("9.9"))
        let typed = RunManifest(json: stored).recordingRescore(rescore).json
        let legacy = LegacyManifestWriters.recording(entries.map(\.json), in: stored, at: "2026-12-06T18:00:00.000Z", scored: 3, skipped: 1,
                                                     harnessVersion: "9.9")
        #expect(Self.differences(typed, legacy) == [])
        // An older manifest gains only what the rescore records: no null for keys it never had.
        #expect(Set(Self.differences(typed, stored).map { String($0.prefix { $0 != "[" && $0 != "." }) }).isSubset(of: ["metrics", "rescores"]))
    }

    @Test func runsWithManifestsOfEveryVersionCompareByTheirRecordedVersions() throws {
        func run(_ id: String, _ manifest: JSONValue) -> RunRecord {
            RunRecord(id: id, suiteID: "mt-ary-arb", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m", status: .completed,
                      startedAt: "", itemCount: 20, manifest: manifest)
        }
        let real = try Self.fixture("v3-samples-real-gemma-baseline")
        let cached = try Self.fixture("v5-cache")
        #expect(ComparabilityGuard.differences(suite: "mt-ary-arb", runs: [run("a", real), run("b", cached)]).isEmpty)
        var bumped = RunManifest(json: cached)
        bumped.normalizers?["arb-Arab"]?["l1"] = "ar-l1/2"
        bumped.metrics?[0].version = "chrf++/2"
        let fields = ComparabilityGuard.differences(suite: "mt-ary-arb", runs: [run("a", real), run("b", bumped.json)]).map(\.field)
        #expect(fields == ["normalizer arb-Arab l1", "metric chrf++ version"])
        let v1 = try Self.fixture("v1-initial")
        #expect(ComparabilityGuard.differences(suite: "mt-ary-arb", runs: [run("a", real), run("b", v1)]).map(\.field) == ["prompt template hash"])
        #expect(run("a", try Self.fixture("v4-shards-samples")).shardCount == 4 && run("b", real).shardCount == nil)
    }

    /// A stored run whose manifest an early mizan wrote (v1) is rescored through the CLI with the metrics its
    /// manifest names; the manifest keeps every key it had and gains only the rescore.
    @Test func theCLIRescoresARunWithAnEarlyManifest() async throws {
        let dir = TestEnv.tempDir()
        let server = try TestHTTPServer { req in .text("a " + req.prompt.dropFirst(2)) }
        defer { server.stop() }
        let folder = try TestEnv.writeSuite(in: dir, items: (0..<3).map { #"{"id":"item-\#($0)","input":"q \#($0)","reference":"a \#($0)"}"# })
        let path = dir + "/r.sqlite"
        let store = try SQLiteStore(path: path)
        let outcome = try await Runner(store: store, harnessVersion: "test")
            .run(RunRequest(suite: try SuiteLoader.load(folder: folder), endpoint: TestEnv.endpoint(server)))
        var early = RunManifest(json: try Self.fixture("v1-initial"))
        early.suite?.path = folder
        try store.updateManifest(runID: outcome.runID, manifest: early.json)

        let r = try TestEnv.run(TestEnv.mizanBinary, ["rescore", outcome.runID, "--store", path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ary-Arab,contains,1"), "\(r.stdout)")
        let after = try store.run(matching: outcome.runID)
        #expect(Self.differences(after.manifest, early.json) == ["rescores"])
        #expect(after.runManifest.rescores?.first?.metrics?.map(\.name) == ["contains"] && after.runManifest.rescores?.first?.itemsScored == 3)
        #expect(try store.items(runID: outcome.runID).allSatisfy { $0.scores.contains { $0.metric == "contains" && $0.value == 1 } })
    }
}
