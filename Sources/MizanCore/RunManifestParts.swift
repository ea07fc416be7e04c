// The parts of `RunManifest` (each a JSON object in the stored manifest). Members documented as "null when
// nil" are written as null by today's writer when they have no value; the others are left out.

extension RunManifest {
    /// `suite`: the suite run and its selection.
    public struct SuiteInfo: ManifestObject {
        /// `id`.
        public var id: String?
        /// `version`.
        public var version: String?
        /// `hash`: the suite's content hash.
        public var hash: String?
        /// `path`: the suite folder as given (relative metric files are found there).
        public var path: String?
        /// `language`: the suite's language tag.
        public var language: String?
        /// `task`: the task kind's raw value (`generation`, `multiple-choice`, …).
        public var task: String?
        /// `items_selected`: items in the run's selection (`--limit`).
        public var itemsSelected: Int?
        /// `items_total`: items in the suite.
        public var itemsTotal: Int?
        /// `template_hash`: SHA-256 of the system prompt and template.
        public var templateHash: String?
        /// `cluster`: the item field the suite clusters by (null when nil; written since suites may cluster).
        public var cluster: String?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A suite part with the given members.
        public init(id: String? = nil, version: String? = nil, hash: String? = nil, path: String? = nil, language: String? = nil,
                    task: String? = nil, itemsSelected: Int? = nil, itemsTotal: Int? = nil, templateHash: String? = nil,
                    cluster: String? = nil) {
            self.id = id
            self.version = version
            self.hash = hash
            self.path = path
            self.language = language
            self.task = task
            self.itemsSelected = itemsSelected
            self.itemsTotal = itemsTotal
            self.templateHash = templateHash
            self.cluster = cluster
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            id = r.string("id")
            version = r.string("version")
            hash = r.string("hash")
            path = r.string("path")
            language = r.string("language")
            task = r.string("task")
            itemsSelected = r.int("items_selected")
            itemsTotal = r.int("items_total")
            templateHash = r.string("template_hash")
            cluster = r.string("cluster")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("id", id.map(JSONValue.string))
            w.put("version", version.map(JSONValue.string))
            w.put("hash", hash.map(JSONValue.string))
            w.put("path", path.map(JSONValue.string))
            w.put("language", language.map(JSONValue.string))
            w.put("task", task.map(JSONValue.string))
            w.put("items_selected", itemsSelected.map(JSONValue.int))
            w.put("items_total", itemsTotal.map(JSONValue.int))
            w.put("template_hash", templateHash.map(JSONValue.string))
            w.put("cluster", cluster.map(JSONValue.string), nullable: true)
            return w.json
        }
    }

    /// `generation`: generation settings sent with every request (each null when nil, except `stop`).
    public struct Generation: ManifestObject {
        /// `max_tokens`.
        public var maxTokens: Int?
        /// `temperature`.
        public var temperature: Double?
        /// `top_p`.
        public var topP: Double?
        /// `stop`: stop sequences.
        public var stop: [String]?
        /// `seed`.
        public var seed: Int?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// Generation settings with the given members.
        public init(maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil, stop: [String]? = nil, seed: Int? = nil) {
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.topP = topP
            self.stop = stop
            self.seed = seed
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            maxTokens = r.int("max_tokens")
            temperature = r.double("temperature")
            topP = r.double("top_p")
            stop = r.array("stop", ManifestObjectReader.string)
            seed = r.int("seed")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("max_tokens", maxTokens.map(JSONValue.int), nullable: true)
            w.put("temperature", temperature.map(JSONValue.number), nullable: true)
            w.put("top_p", topP.map(JSONValue.number), nullable: true)
            w.put("stop", stop.map { .array($0.map(JSONValue.string)) })
            w.put("seed", seed.map(JSONValue.int), nullable: true)
            return w.json
        }
    }

    /// An entry of `metrics` (and of a rescore's `metrics`): a metric as configured and the version computed.
    public struct MetricEntry: ManifestObject {
        /// `name`.
        public var name: String?
        /// `version`: the metric's version string.
        public var version: String?
        /// `options`: the metric's options as configured.
        public var options: [String: JSONValue]?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A metric entry.
        public init(name: String?, version: String?, options: [String: JSONValue]? = [:]) {
            self.name = name
            self.version = version
            self.options = options
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            name = r.string("name")
            version = r.string("version")
            options = r.object("options")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("name", name.map(JSONValue.string))
            w.put("version", version.map(JSONValue.string))
            w.put("options", options.map(JSONValue.object))
            return w.json
        }
    }

    /// `retries` (and `endpoint.config.retries`): the retry policy.
    public struct Retries: ManifestObject {
        /// `max_retries`.
        public var maxRetries: Int?
        /// `base_delay`: seconds.
        public var baseDelay: Double?
        /// `max_delay`: seconds.
        public var maxDelay: Double?
        /// `max_retry_after`: seconds.
        public var maxRetryAfter: Double?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A retry policy part.
        public init(maxRetries: Int? = nil, baseDelay: Double? = nil, maxDelay: Double? = nil, maxRetryAfter: Double? = nil) {
            self.maxRetries = maxRetries
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxRetryAfter = maxRetryAfter
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            maxRetries = r.int("max_retries")
            baseDelay = r.double("base_delay")
            maxDelay = r.double("max_delay")
            maxRetryAfter = r.double("max_retry_after")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("max_retries", maxRetries.map(JSONValue.int))
            w.put("base_delay", baseDelay.map(JSONValue.number))
            w.put("max_delay", maxDelay.map(JSONValue.number))
            w.put("max_retry_after", maxRetryAfter.map(JSONValue.number))
            return w.json
        }
    }

    /// `samples`: samples per item and the seed of each (seeds null for one sample).
    public struct Samples: ManifestObject {
        /// `count`.
        public var count: Int?
        /// `seeds`: the seed of each sample (null when nil).
        public var seeds: [Int]?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A samples part.
        public init(count: Int?, seeds: [Int]? = nil) {
            self.count = count
            self.seeds = seeds
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            count = r.int("count")
            seeds = r.array("seeds", ManifestObjectReader.int)
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("count", count.map(JSONValue.int))
            w.put("seeds", seeds.map { .array($0.map(JSONValue.int)) }, nullable: true)
            return w.json
        }
    }

    /// `harness` (and a rescore's `harness`): the mizan that wrote the entry.
    public struct Harness: ManifestObject {
        /// `name`: `mizan`.
        public var name: String?
        /// `version`.
        public var version: String?
        /// `git_commit`: the source commit, null when unknown.
        public var gitCommit: String?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A harness part.
        public init(name: String? = "mizan", version: String?, gitCommit: String?) {
            self.name = name
            self.version = version
            self.gitCommit = gitCommit
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            name = r.string("name")
            version = r.string("version")
            gitCommit = r.string("git_commit")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("name", name.map(JSONValue.string))
            w.put("version", version.map(JSONValue.string))
            w.put("git_commit", gitCommit.map(JSONValue.string), nullable: true)
            return w.json
        }
    }

    /// `host`: the machine that started the run.
    public struct Host: ManifestObject {
        /// `os`: the operating system's version string.
        public var os: String?
        /// `cpus`: active processors.
        public var cpus: Int?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A host part.
        public init(os: String?, cpus: Int?) {
            self.os = os
            self.cpus = cpus
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            os = r.string("os")
            cpus = r.int("cpus")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("os", os.map(JSONValue.string))
            w.put("cpus", cpus.map(JSONValue.int))
            return w.json
        }
    }
}
