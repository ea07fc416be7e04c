/// The manifest stored with every run: what was measured (suite, endpoint, generation settings, metric and
/// normalizer versions, samples, harness) and what happened to the run later (cache hits, shards, rescores).
///
/// It reads every manifest mizan has written (`manifest_version` has stayed 1; keys were added over time, see
/// docs/manifest.md): a key an older mizan did not write reads as nil. Keys this version does not know — a
/// newer mizan's — and values of an unexpected type are kept in `extra` of the part that holds them, so
/// `RunManifest(json: m).json == m` for every JSON object `m`, and a read-modify-write (rescore, cache hits)
/// changes only what it sets. Every part is `Codable` as the same JSON.
public struct RunManifest: ManifestObject {
    /// `manifest_version` (1 for every manifest written so far).
    public var manifestVersion: Int?
    /// `name`: the run's name (`mizan run --name`), absent when none was given.
    public var name: String?
    /// `suite`: the suite run and its selection.
    public var suite: SuiteInfo?
    /// `endpoint`: the endpoint configuration without secrets and what the server said about itself.
    public var endpoint: EndpointInfo?
    /// `generation`: the suite's generation settings (after `--temperature`).
    public var generation: Generation?
    /// `metrics`: the metrics computed, with their versions (a rescore replaces an entry).
    public var metrics: [MetricEntry]?
    /// `normalizers`: language tag → level (`l0`, `l1`) → normalizer version.
    public var normalizers: [String: [String: String]]?
    /// `retries`: the retry policy (since resume was added).
    public var retries: Retries?
    /// `samples`: samples per item and their seeds (since `--samples`).
    public var samples: Samples?
    /// `harness`: the mizan that wrote the run.
    public var harness: Harness?
    /// `host`: the machine that started the run.
    public var host: Host?
    /// `cache`: response-cache mode and hits (since the response cache).
    public var cache: Cache?
    /// `shards`: the shard count of a sharded run (since `--shard`).
    public var shards: Shards?
    /// `rescores`: one entry per `mizan rescore`.
    public var rescores: [Rescore]?
    /// `likelihood`: how likelihoods were computed, for likelihood-scored suites.
    public var likelihood: Likelihood?
    /// `concurrency`: fixed or `auto`, and the limits `auto` chose over time (since issue 17).
    public var concurrency: Concurrency?
    /// `ordering`: the order items were sent in and the cache hints sent with them (since issue 17).
    public var ordering: Ordering?
    /// Members this version does not read (see `ManifestObject`).
    public var extra: [String: JSONValue]
    var absent: Set<String> = []

    /// A manifest with the given parts (nil parts are not written).
    public init(manifestVersion: Int? = RunManifest.currentVersion, name: String? = nil, suite: SuiteInfo? = nil,
                endpoint: EndpointInfo? = nil, generation: Generation? = nil, metrics: [MetricEntry]? = nil,
                normalizers: [String: [String: String]]? = nil, retries: Retries? = nil, samples: Samples? = nil,
                harness: Harness? = nil, host: Host? = nil, cache: Cache? = nil, shards: Shards? = nil,
                rescores: [Rescore]? = nil, likelihood: Likelihood? = nil, extra: [String: JSONValue] = [:]) {
        self.manifestVersion = manifestVersion
        self.name = name
        self.suite = suite
        self.endpoint = endpoint
        self.generation = generation
        self.metrics = metrics
        self.normalizers = normalizers
        self.retries = retries
        self.samples = samples
        self.harness = harness
        self.host = host
        self.cache = cache
        self.shards = shards
        self.rescores = rescores
        self.likelihood = likelihood
        self.extra = extra
    }

    /// The `manifest_version` this mizan writes.
    public static let currentVersion = 1

    /// Reads a stored manifest (see `ManifestObject.init(json:)`).
    public init(json: JSONValue) {
        var r = ManifestObjectReader(json)
        manifestVersion = r.int("manifest_version")
        name = r.string("name")
        suite = r.part("suite")
        endpoint = r.part("endpoint")
        generation = r.part("generation")
        metrics = r.array("metrics") { ManifestObjectReader.part($0) as MetricEntry? }
        normalizers = r.take("normalizers") { ManifestObjectReader.map($0) { ManifestObjectReader.map($0, ManifestObjectReader.string) } }
        retries = r.part("retries")
        samples = r.part("samples")
        harness = r.part("harness")
        host = r.part("host")
        cache = r.part("cache")
        shards = r.part("shards")
        rescores = r.array("rescores") { ManifestObjectReader.part($0) as Rescore? }
        likelihood = r.part("likelihood")
        concurrency = r.part("concurrency")
        ordering = r.part("ordering")
        extra = r.rest
        absent = r.absent
    }

    /// The manifest as stored.
    public var json: JSONValue {
        var w = ManifestObjectWriter(extra: extra, absent: absent)
        w.put("manifest_version", manifestVersion.map(JSONValue.int))
        w.put("name", name.map(JSONValue.string))
        w.put("suite", suite?.json)
        w.put("endpoint", endpoint?.json)
        w.put("generation", generation?.json)
        w.put("metrics", metrics.map { .array($0.map(\.json)) })
        w.put("normalizers", normalizers.map { .object($0.mapValues { .object($0.mapValues(JSONValue.string)) }) })
        w.put("retries", retries?.json)
        w.put("samples", samples?.json)
        w.put("harness", harness?.json)
        w.put("host", host?.json)
        w.put("cache", cache?.json)
        w.put("shards", shards?.json)
        w.put("rescores", rescores.map { .array($0.map(\.json)) })
        w.put("likelihood", likelihood?.json)
        w.put("concurrency", concurrency?.json)
        w.put("ordering", ordering?.json)
        return w.json
    }

    /// The recorded metric entries that have a name, as (name, options) pairs in manifest order.
    public var metricSpecs: [(name: String, options: [String: JSONValue])] {
        (metrics ?? []).compactMap { e in e.name.map { ($0, e.options ?? [:]) } }
    }

    /// The recorded version of `metric` (a rescore replaces it).
    public func metricVersion(_ metric: String) -> String? { metrics?.first { $0.name == metric }?.version }

    /// `metrics` with `entries` merged in (an entry replaces the one of the same name, else is appended) and a
    /// `rescores` entry appended: what `mizan rescore` records.
    public func recordingRescore(_ rescore: Rescore) -> RunManifest {
        var m = self
        var merged = metrics ?? []
        for entry in rescore.metrics ?? [] {
            if let i = merged.firstIndex(where: { $0.name == entry.name }) { merged[i] = entry } else { merged.append(entry) }
        }
        m.metrics = merged
        m.rescores = (rescores ?? []) + [rescore]
        return m
    }
}
