// The scheduling parts of `RunManifest` (since issue 17): how many requests were in flight over time
// (`concurrency`) and in which order items were sent (`ordering`). docs/concurrency.md.

extension RunManifest {
    /// `concurrency`: the requests-in-flight setting and, with `auto`, the limits chosen over time.
    public struct Concurrency: ManifestObject {
        /// `mode`: `fixed` or `auto`.
        public var mode: String?
        /// `initial`: the limit the run started with.
        public var initial: Int?
        /// `maximum`: the largest limit `auto` may choose.
        public var maximum: Int?
        /// `final`: the limit in force when the run ended.
        public var final: Int?
        /// `windows`: measurement windows the controller closed.
        public var windows: Int?
        /// `steps`: every change of the limit, oldest first (at most 500; the first is the start).
        public var steps: [Step]?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A concurrency part.
        public init(mode: String?, initial: Int?, maximum: Int?, final: Int?, windows: Int?, steps: [Step]?) {
            self.mode = mode
            self.initial = initial
            self.maximum = maximum
            self.final = final
            self.windows = windows
            self.steps = steps
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            mode = r.string("mode")
            initial = r.int("initial")
            maximum = r.int("maximum")
            final = r.int("final")
            windows = r.int("windows")
            steps = r.array("steps") { ManifestObjectReader.part($0) as Step? }
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("mode", mode.map(JSONValue.string))
            w.put("initial", initial.map(JSONValue.int))
            w.put("maximum", maximum.map(JSONValue.int))
            w.put("final", final.map(JSONValue.int))
            w.put("windows", windows.map(JSONValue.int))
            w.put("steps", steps.map { .array($0.map(\.json)) })
            return w.json
        }
    }

    /// `concurrency.steps[]`: one change of the limit and the window that caused it.
    public struct Step: ManifestObject {
        /// `t`: seconds since the first request.
        public var time: Double?
        /// `limit`: the limit from then on.
        public var limit: Int?
        /// `from`: the limit before.
        public var from: Int?
        /// `reason`: `start`, `rising`, `knee`, `overload`, `probe up`, `probe down`, … (docs/concurrency.md).
        public var reason: String?
        /// `items_per_s`: requests finished per second in the window at `from`.
        public var itemsPerSecond: Double?
        /// `tokens_per_s`: output tokens per second in that window, when the server reported them.
        public var tokensPerSecond: Double?
        /// `latency_s`: mean seconds per request in that window.
        public var latency: Double?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// A step.
        public init(time: Double?, limit: Int?, from: Int?, reason: String?, itemsPerSecond: Double?, tokensPerSecond: Double?,
                    latency: Double?) {
            self.time = time
            self.limit = limit
            self.from = from
            self.reason = reason
            self.itemsPerSecond = itemsPerSecond
            self.tokensPerSecond = tokensPerSecond
            self.latency = latency
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            time = r.double("t")
            limit = r.int("limit")
            from = r.int("from")
            reason = r.string("reason")
            itemsPerSecond = r.double("items_per_s")
            tokensPerSecond = r.double("tokens_per_s")
            latency = r.double("latency_s")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("t", time.map(JSONValue.number))
            w.put("limit", limit.map(JSONValue.int))
            w.put("from", from.map(JSONValue.int))
            w.put("reason", reason.map(JSONValue.string))
            w.put("items_per_s", itemsPerSecond.map(JSONValue.number))
            w.put("tokens_per_s", tokensPerSecond.map(JSONValue.number))
            w.put("latency_s", latency.map(JSONValue.number))
            return w.json
        }
    }

    /// `ordering`: the order in which items were sent and the cache hints sent with them. Items are stored and
    /// reported in the suite's order whatever the sending order.
    public struct Ordering: ManifestObject {
        /// `strategy`: `suite` (the suite's order) or `prefix-groups` (items sharing a prompt prefix sent together).
        public var strategy: String?
        /// `window`: items read ahead to form groups.
        public var window: Int?
        /// `groups`: prefix groups formed.
        public var groups: Int?
        /// `cache_prompt`: whether llama.cpp's `cache_prompt: true` was sent.
        public var cachePrompt: Bool?
        /// `slots`: the server slots `id_slot` was chosen from (absent when no `id_slot` was sent).
        public var slots: Int?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// An ordering part.
        public init(strategy: String?, window: Int?, groups: Int?, cachePrompt: Bool?, slots: Int?) {
            self.strategy = strategy
            self.window = window
            self.groups = groups
            self.cachePrompt = cachePrompt
            self.slots = slots
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            strategy = r.string("strategy")
            window = r.int("window")
            groups = r.int("groups")
            cachePrompt = r.bool("cache_prompt")
            slots = r.int("slots")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("strategy", strategy.map(JSONValue.string))
            w.put("window", window.map(JSONValue.int))
            w.put("groups", groups.map(JSONValue.int))
            w.put("cache_prompt", cachePrompt.map(JSONValue.bool))
            w.put("slots", slots.map(JSONValue.int))
            return w.json
        }
    }
}
