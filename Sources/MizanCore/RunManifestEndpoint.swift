// The `endpoint` part of `RunManifest`: written by `ModelClient.fingerprint` from `EndpointConfig.redacted`
// (no secrets: header values and keys are never recorded, only where they come from).

extension RunManifest {
    /// `endpoint`: the endpoint's configuration and what the server said about itself.
    public struct EndpointInfo: ManifestObject {
        /// `config`: the endpoint configuration without secrets.
        public var config: EndpointSettings?
        /// `server`: the answers of the server's self-description paths (`models`, `props`, `show`), as received
        /// minus bulky fields.
        public var server: JSONValue?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// An endpoint part.
        public init(config: EndpointSettings?, server: JSONValue? = .object([:])) {
            self.config = config
            self.server = server
        }

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            config = r.part("config")
            server = r.value("server")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("config", config?.json)
            w.put("server", server)
            return w.json
        }
    }

    /// `endpoint.config`: the endpoint as configured (mizan.yaml or `--endpoint`), without secrets.
    public struct EndpointSettings: ManifestObject {
        /// `name`.
        public var name: String?
        /// `url`.
        public var url: String?
        /// `kind`: the endpoint kind's raw value (`openai-chat`, `openai-completions`, `ollama`).
        public var kind: String?
        /// `model`.
        public var model: String?
        /// `stream`: whether answers were streamed.
        public var stream: Bool?
        /// `concurrency`: requests in flight.
        public var concurrency: Int?
        /// `headers`: header name → `<set>` or `<from $VAR>` (never the value).
        public var headers: [String: String]?
        /// `timeouts`.
        public var timeouts: Timeouts?
        /// `tls`.
        public var tls: TLSSettings?
        /// `params`: extra request parameters as configured.
        public var params: [String: JSONValue]?
        /// `retries` (since retries were added).
        public var retries: Retries?
        /// `rate_limit` (since rate limits were added).
        public var rateLimit: RateLimitSettings?
        /// `api_key_env`: the variable the API key is read from, absent when none.
        public var apiKeyEnv: String?
        /// `max_response_bytes`: the configured response cap, absent when the default applies.
        public var maxResponseBytes: Int?
        /// `proxy`: `direct`, `env` or `<set>`.
        public var proxy: String?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            name = r.string("name")
            url = r.string("url")
            kind = r.string("kind")
            model = r.string("model")
            stream = r.bool("stream")
            concurrency = r.int("concurrency")
            headers = r.take("headers") { ManifestObjectReader.map($0, ManifestObjectReader.string) }
            timeouts = r.part("timeouts")
            tls = r.part("tls")
            params = r.object("params")
            retries = r.part("retries")
            rateLimit = r.part("rate_limit")
            apiKeyEnv = r.string("api_key_env")
            maxResponseBytes = r.int("max_response_bytes")
            proxy = r.string("proxy")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("name", name.map(JSONValue.string))
            w.put("url", url.map(JSONValue.string))
            w.put("kind", kind.map(JSONValue.string))
            w.put("model", model.map(JSONValue.string))
            w.put("stream", stream.map(JSONValue.bool))
            w.put("concurrency", concurrency.map(JSONValue.int))
            w.put("headers", headers.map { .object($0.mapValues(JSONValue.string)) })
            w.put("timeouts", timeouts?.json)
            w.put("tls", tls?.json)
            w.put("params", params.map(JSONValue.object))
            w.put("retries", retries?.json)
            w.put("rate_limit", rateLimit?.json)
            w.put("api_key_env", apiKeyEnv.map(JSONValue.string))
            w.put("max_response_bytes", maxResponseBytes.map(JSONValue.int))
            w.put("proxy", proxy.map(JSONValue.string))
            return w.json
        }
    }

    /// `endpoint.config.timeouts`: seconds (`total` and `stall` null when unlimited).
    public struct Timeouts: ManifestObject {
        /// `connect`.
        public var connect: Double?
        /// `total`: null when unlimited.
        public var total: Double?
        /// `stall`: null when unlimited.
        public var stall: Double?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            connect = r.double("connect")
            total = r.double("total")
            stall = r.double("stall")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("connect", connect.map(JSONValue.number))
            w.put("total", total.map(JSONValue.number), nullable: true)
            w.put("stall", stall.map(JSONValue.number), nullable: true)
            return w.json
        }
    }

    /// `endpoint.config.tls`: file paths (null when not set) and whether verification was off.
    public struct TLSSettings: ManifestObject {
        /// `ca_bundle`.
        public var caBundle: String?
        /// `client_cert`.
        public var clientCert: String?
        /// `insecure`.
        public var insecure: Bool?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            caBundle = r.string("ca_bundle")
            clientCert = r.string("client_cert")
            insecure = r.bool("insecure")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("ca_bundle", caBundle.map(JSONValue.string), nullable: true)
            w.put("client_cert", clientCert.map(JSONValue.string), nullable: true)
            w.put("insecure", insecure.map(JSONValue.bool))
            return w.json
        }
    }

    /// `endpoint.config.rate_limit`: each null when not limited.
    public struct RateLimitSettings: ManifestObject {
        /// `requests_per_second`.
        public var requestsPerSecond: Double?
        /// `tokens_per_minute`.
        public var tokensPerMinute: Double?
        /// Members this version does not read (see `ManifestObject`).
        public var extra: [String: JSONValue] = [:]
        var absent: Set<String> = []

        /// Reads the part (see `ManifestObject`).
        public init(json: JSONValue) {
            var r = ManifestObjectReader(json)
            requestsPerSecond = r.double("requests_per_second")
            tokensPerMinute = r.double("tokens_per_minute")
            extra = r.rest
            absent = r.absent
        }

        /// The part as stored.
        public var json: JSONValue {
            var w = ManifestObjectWriter(extra: extra, absent: absent)
            w.put("requests_per_second", requestsPerSecond.map(JSONValue.number), nullable: true)
            w.put("tokens_per_minute", tokensPerMinute.map(JSONValue.number), nullable: true)
            return w.json
        }
    }
}
