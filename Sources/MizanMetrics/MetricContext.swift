import MizanCore

/// What a metric may need beyond its options: where the suite lives (for relative paths such as
/// `rubric_file:` or an external `command:`) and how to reach a judge model.
public struct MetricContext: Sendable {
    /// The suite folder that relative paths in metric options are resolved against (nil: the working directory).
    public var suiteFolder: String?
    /// Turns an endpoint name or URL into a judge backend; nil when no endpoints are available.
    public var judges: (any JudgeBackendResolver)?
    /// Environment variables (for `MIZAN_JUDGE_ENDPOINT`).
    public var environment: [String: String]

    /// Creates a context.
    public init(suiteFolder: String? = nil, judges: (any JudgeBackendResolver)? = nil, environment: [String: String] = [:]) {
        self.suiteFolder = suiteFolder
        self.judges = judges
        self.environment = environment
    }

    /// Resolves `path` against the suite folder (absolute paths are kept).
    public func resolve(path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let folder = suiteFolder, !folder.isEmpty else { return path }
        return folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }
}

/// One request to a judge model.
public struct JudgeRequest: Sendable, Hashable {
    /// Optional system prompt.
    public var system: String?
    /// The rendered judge prompt (user turn).
    public var prompt: String
    /// Upper bound on the judge's answer length.
    public var maxTokens: Int?
    /// Sampling temperature (0 by default: a judge should be deterministic).
    public var temperature: Double?

    /// Creates a request.
    public init(system: String?, prompt: String, maxTokens: Int? = nil, temperature: Double? = nil) {
        self.system = system
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}

/// The judge's answer: its text, or why there is none.
public struct JudgeAnswer: Sendable, Hashable {
    /// The raw answer text, nil when the endpoint failed.
    public var text: String?
    /// The endpoint failure, e.g. `HTTP 503: …`.
    public var error: String?
    /// Seconds the request took.
    public var latency: Double

    /// Creates an answer.
    public init(text: String?, error: String? = nil, latency: Double = 0) {
        self.text = text
        self.error = error
        self.latency = latency
    }
}

/// A model that grades outputs (implemented over `ModelClient` in MizanRunner).
public protocol JudgeBackend: Sendable {
    /// Who judges, e.g. `local-judge/qwen2.5-7b`; part of the judge metric's version.
    var identity: String { get }
    /// Sends one judge request; endpoint failures come back in `JudgeAnswer.error`, only cancellation throws.
    func ask(_ request: JudgeRequest) async throws -> JudgeAnswer
}

/// Finds the judge backend for an endpoint name (from the config file) or a URL.
public protocol JudgeBackendResolver: Sendable {
    /// The backend for `endpoint`, or a `MetricConfigError` naming the configured endpoints.
    func judgeBackend(for endpoint: String) throws -> any JudgeBackend
}
