// Parts of `RunManifest` added after a run starts (cache hits, shards, rescores) and the likelihood entry.

extension RunManifest {
    /// `cache`: the response-cache mode asked for, whether reuse was on, and items answered from the cache.
    public struct Cache: ManifestObject {
        /// `mode`: `auto`, `on` or `off`.
        public var mode: String?
        /// `enabled`: whether this run reused responses.
        public var enabled: Bool?
        /// `hits`: items answered from the cache, over every invocation of the run.
        public var hits: Int?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A cache part.
        public init(mode: String?, enabled: Bool?, hits: Int?) {
            self.mode = mode
            self.enabled = enabled
            self.hits = hits
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            mode = r.string("mode")
            enabled = r.bool("enabled")
            hits = r.int("hits")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("mode", mode.map(JSONValue.string))
            w.put("enabled", enabled.map(JSONValue.bool))
            w.put("hits", hits.map(JSONValue.int))
            return w.json
        }
    }

    /// `shards`: how a sharded run is split.
    public struct Shards: ManifestObject {
        /// `count`: the number of shards.
        public var count: Int?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A shards part.
        public init(count: Int?) { self.count = count }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            count = r.int("count")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("count", count.map(JSONValue.int))
            return w.json
        }
    }

    /// An entry of `rescores`: one `mizan rescore`.
    public struct Rescore: ManifestObject {
        /// `at`: ISO-8601 time of the rescore.
        public var at: String?
        /// `metrics`: the metrics recomputed, with their new versions.
        public var metrics: [MetricEntry]?
        /// `items_scored`: items scored (successful responses).
        public var itemsScored: Int?
        /// `items_skipped`: items left unscored because their request failed.
        public var itemsSkipped: Int?
        /// `harness`: the mizan that rescored.
        public var harness: Harness?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A rescore entry.
        public init(at: String?, metrics: [MetricEntry]?, itemsScored: Int?, itemsSkipped: Int?, harness: Harness?) {
            self.at = at
            self.metrics = metrics
            self.itemsScored = itemsScored
            self.itemsSkipped = itemsSkipped
            self.harness = harness
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            at = r.string("at")
            metrics = r.array("metrics") { ManifestObjectReader.part($0) as MetricEntry? }
            itemsScored = r.int("items_scored")
            itemsSkipped = r.int("items_skipped")
            harness = r.part("harness")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("at", at.map(JSONValue.string))
            w.put("metrics", metrics.map { .array($0.map(\.json)) })
            w.put("items_scored", itemsScored.map(JSONValue.int))
            w.put("items_skipped", itemsSkipped.map(JSONValue.int))
            w.put("harness", harness?.json)
            return w.json
        }
    }

    /// `likelihood`: how a likelihood-scored suite's log-probabilities were computed (docs/likelihood.md).
    public struct Likelihood: ManifestObject {
        /// `method`: `llama.cpp-native`, `openai-echo` or `chat-label-top-logprobs` (`LikelihoodMethod`).
        public var method: String?
        /// `context_size`: the server's context window in tokens (null when unknown).
        public var contextSize: Int?
        /// `server`: a subset of the server's self-description (llama-server `GET /props`), null when none.
        public var server: JSONValue?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A likelihood part.
        public init(method: String?, contextSize: Int? = nil, server: JSONValue? = nil) {
            self.method = method
            self.contextSize = contextSize
            self.server = server
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            method = r.string("method")
            contextSize = r.int("context_size")
            server = r.value("server")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("method", method.map(JSONValue.string))
            w.put("context_size", contextSize.map(JSONValue.int), nullable: true)
            w.put("server", server, nullable: true)
            return w.json
        }
    }
}
