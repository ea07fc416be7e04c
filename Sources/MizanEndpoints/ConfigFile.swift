import Foundation
import MizanCore
import MizanTransport
import MizanYAML

/// The `mizan.yaml` configuration file: named endpoints and defaults. See README "Configuration".
public struct MizanConfig: Sendable {
    /// Endpoints by name.
    public var endpoints: [String: EndpointConfig]
    /// Default store path or URL (`store:`), if set.
    public var store: String?
    /// File the configuration came from, if any.
    public var file: String?

    public init(endpoints: [String: EndpointConfig] = [:], store: String? = nil, file: String? = nil) {
        self.endpoints = endpoints
        self.store = store
        self.file = file
    }

    /// Loads the configuration from `explicit`, else `$MIZAN_CONFIG`, else the project root's `mizan.yaml`
    /// (see `Project`), if present.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MizanConfig {
        try Project.locate(explicitConfig: explicit, environment: environment).loadConfig()
    }

    static let endpointKeys: Set<String> = ["url", "kind", "model", "api_key_env", "headers", "stream", "concurrency",
                                             "timeouts", "tls", "proxy", "params", "retries", "rate_limit",
                                             "max_response_bytes", "likelihood"]

    /// Parses a configuration file; errors name the file, line and key.
    public static func load(path: String) throws -> MizanConfig {
        let root = try YAMLValue.load(path: path)
        if let bad = root.unknownKeys(allowed: ["endpoints", "store"]).first {
            throw bad.error("unknown key '\(bad.path)'", remedy: "use 'endpoints' or 'store' (see README, Configuration)")
        }
        var config = MizanConfig(file: path)
        let folder = (path as NSString).deletingLastPathComponent
        if let store = try root["store"]?.string() { config.store = store.contains("://") ? store : relative(store, to: folder) }
        for (name, node) in try root["endpoints"]?.mapping() ?? [] {
            var e = try endpoint(name: name, node)
            e.tls.caBundle = e.tls.caBundle.map { relative($0, to: folder) }
            e.tls.clientCert = e.tls.clientCert.map { relative($0, to: folder) }
            e.tls.clientKey = e.tls.clientKey.map { relative($0, to: folder) }
            config.endpoints[name] = e
        }
        return config
    }

    /// A path written in the config file, resolved from the file's folder (absolute paths stay as they are).
    static func relative(_ path: String, to folder: String) -> String {
        path.hasPrefix("/") || path.hasPrefix("~") || folder.isEmpty || folder == "." ? path : (folder as NSString).appendingPathComponent(path)
    }

    static func endpoint(name: String, _ node: YAMLValue) throws -> EndpointConfig {
        if let bad = node.unknownKeys(allowed: endpointKeys).first {
            throw bad.error("unknown endpoint key '\(bad.path)'",
                            remedy: "use one of: \(endpointKeys.sorted().joined(separator: ", "))")
        }
        guard let urlNode = node["url"] else {
            throw node.error("endpoint '\(name)' has no url", remedy: "add e.g. `url: http://127.0.0.1:8080/v1`")
        }
        let url = try urlNode.string()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw urlNode.error("url must start with http:// or https://", remedy: "write the endpoint's full URL")
        }
        var e = EndpointConfig(name: name, url: url)
        if let k = node["kind"] {
            guard let kind = EndpointKind(rawValue: try k.string()) else {
                throw k.error("unknown kind '\(try k.string())'",
                              remedy: "use one of: \(EndpointKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            e.kind = kind
        }
        if let m = node["model"] { e.model = try m.string() }
        if let k = node["api_key_env"] { e.apiKeyEnv = try k.string() }
        if let s = node["stream"] { e.stream = try s.bool() }
        if let c = node["concurrency"] {
            guard let choice = ConcurrencyChoice(text: try c.string()) else {
                throw c.error("concurrency must be a positive whole number or auto", remedy: "write e.g. `concurrency: 8` or `concurrency: auto`")
            }
            e.apply(choice)
        }
        if let l = node["likelihood"] {
            guard let selection = LikelihoodSelection(rawValue: try l.string()) else {
                throw l.error("unknown likelihood method '\(try l.string())'",
                              remedy: "use one of: \(LikelihoodSelection.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            e.likelihood = selection
        }
        if let m = node["max_response_bytes"] {
            e.maxResponseBytes = try m.int()
            guard e.maxResponseBytes! >= 1024 else {
                throw m.error("max_response_bytes must be at least 1024", remedy: "give the largest response body to accept, in bytes (e.g. 16777216 for 16 MiB)")
            }
        }
        for (key, value) in try node["headers"]?.mapping() ?? [] {
            if let env = value["env"] { e.headers[key] = .environment(try env.string()) } else { e.headers[key] = .literal(try value.string()) }
        }
        if let t = node["timeouts"] {
            if let bad = t.unknownKeys(allowed: ["connect", "total", "stall"]).first {
                throw bad.error("unknown timeout '\(bad.path)'", remedy: "use connect, total or stall (seconds)")
            }
            if let v = t["connect"] { e.timeouts.connect = try v.double() }
            if let v = t["total"] { e.timeouts.total = try v.double() }
            if let v = t["stall"] { e.timeouts.stall = try v.double() }
        }
        if let t = node["tls"] {
            if let bad = t.unknownKeys(allowed: ["ca_bundle", "client_cert", "client_key", "insecure"]).first {
                throw bad.error("unknown tls key '\(bad.path)'", remedy: "use ca_bundle, client_cert, client_key or insecure")
            }
            e.tls.caBundle = try t["ca_bundle"]?.string()
            e.tls.clientCert = try t["client_cert"]?.string()
            e.tls.clientKey = try t["client_key"]?.string()
            e.tls.insecure = try t["insecure"]?.bool() ?? false
        }
        if let p = node["proxy"] {
            let v = try p.string()
            switch v {
            case "direct", "none": e.proxy = .direct
            case "env", "environment": e.proxy = .environment
            default: e.proxy = .url(v)
            }
        }
        if let p = node["params"], case .object(let o) = p.json() { e.params = o }
        if let r = node["retries"] {
            if let bad = r.unknownKeys(allowed: ["max", "base_delay", "max_delay", "max_retry_after"]).first {
                throw bad.error("unknown retries key '\(bad.path)'", remedy: "use max, base_delay, max_delay or max_retry_after")
            }
            if let v = r["max"] { e.retry.maxRetries = max(0, try v.int()) }
            if let v = r["base_delay"] { e.retry.baseDelay = try v.double() }
            if let v = r["max_delay"] { e.retry.maxDelay = try v.double() }
            if let v = r["max_retry_after"] { e.retry.maxRetryAfter = try v.double() }
        }
        if let r = node["rate_limit"] {
            if let bad = r.unknownKeys(allowed: ["requests_per_second", "tokens_per_minute"]).first {
                throw bad.error("unknown rate_limit key '\(bad.path)'", remedy: "use requests_per_second or tokens_per_minute")
            }
            e.rateLimit.requestsPerSecond = try r["requests_per_second"]?.double()
            e.rateLimit.tokensPerMinute = try r["tokens_per_minute"]?.double()
        }
        return e
    }

    /// Resolves `--endpoint` (a configured name or an ad-hoc URL) with command-line overrides.
    public func resolve(endpoint: String, kind: EndpointKind?, model: String?, concurrency: ConcurrencyChoice?) throws -> EndpointConfig {
        var e: EndpointConfig
        if let named = endpoints[endpoint] {
            e = named
        } else if endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") {
            e = EndpointConfig(name: endpoint, url: endpoint)
            if endpoint.contains(":11434") || endpoint.hasSuffix("/api/chat") { e.kind = .ollama }
            if endpoint.hasSuffix("/completions") && !endpoint.hasSuffix("/chat/completions") { e.kind = .openaiCompletions }
        } else {
            let known = endpoints.keys.sorted()
            throw UsageError("unknown endpoint '\(endpoint)'; "
                + (known.isEmpty ? "no config file defines endpoints" : "configured: \(known.joined(separator: ", "))")
                + " — pass a configured name or a URL such as http://127.0.0.1:8080/v1")
        }
        if let kind { e.kind = kind }
        if let model { e.model = model }
        if let concurrency { e.apply(concurrency) }
        return e
    }
}
