import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics

/// A judge model reached through `ModelClient` (libcurl), so judges get the same transport,
/// TLS, proxy and error handling as the models under test.
public struct ModelJudgeBackend: JudgeBackend {
    /// The client of the judge endpoint.
    public let client: ModelClient

    /// Wraps a client.
    public init(client: ModelClient) { self.client = client }

    /// `<endpoint name>/<model>`.
    public var identity: String { "\(client.config.name)/\(client.config.model)" }

    /// Sends the judge prompt; failures come back as `JudgeAnswer.error`.
    public func ask(_ request: JudgeRequest) async throws -> JudgeAnswer {
        let settings = GenerationSettings(maxTokens: request.maxTokens, temperature: request.temperature)
        let r = try await client.generate(RenderedPrompt(system: request.system, user: request.prompt), settings: settings)
        if let f = r.failure { return JudgeAnswer(text: nil, error: "\(f.kind.rawValue): \(f.message)", latency: r.latency) }
        return JudgeAnswer(text: r.text ?? "", latency: r.latency)
    }
}

/// Resolves judge endpoints from the configuration file (`endpoints:` names) or a URL; one
/// client per endpoint, streaming switched off.
public struct ConfigJudgeResolver: JudgeBackendResolver {
    /// The loaded configuration.
    public let config: MizanConfig
    /// Environment for API keys and secret headers.
    public let environment: [String: String]

    /// Creates a resolver.
    public init(config: MizanConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.environment = environment
    }

    /// The backend for a configured name or a URL; throws a `MetricConfigError` otherwise.
    public func judgeBackend(for endpoint: String) throws -> any JudgeBackend {
        do {
            var e = try config.resolve(endpoint: endpoint, kind: nil, model: nil, concurrency: nil)
            e.stream = false
            return ModelJudgeBackend(client: try ModelClient(config: e, environment: environment))
        } catch let e as UsageError {
            throw MetricConfigError(field: "endpoint", message: "metric 'judge': \(e.message)")
        }
    }
}

extension MetricContext {
    /// The context for a run or a rescore: the suite folder, judges from `config`, the process environment.
    public static func run(suiteFolder: String?, config: MizanConfig,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> MetricContext {
        MetricContext(suiteFolder: suiteFolder, judges: ConfigJudgeResolver(config: config, environment: environment),
                      environment: environment)
    }
}
