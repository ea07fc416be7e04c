import MizanCore

/// The options of a `judge` metric entry, checked without reaching any endpoint.
public struct JudgeSettings: Sendable, Hashable {
    /// The rubric (inline or from `rubric_file`).
    public var rubric: Rubric
    /// The scale (the entry's `scale`, else the rubric file's, else 1–5).
    public var scale: JudgeScale
    /// The judge endpoint named in the entry (a config name or a URL), if any.
    public var endpoint: String?
    /// Upper bound on the judge's answer (default 512).
    public var maxTokens: Int
    /// Judge sampling temperature (default 0).
    public var temperature: Double

    static let keys: Set<String> = ["rubric", "rubric_file", "endpoint", "scale", "max_tokens", "temperature"]

    /// Reads and checks the options; loads `rubric_file` relative to the suite folder.
    public init(spec: MetricSpec, context: MetricContext) throws {
        if let unknown = spec.options.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw MetricConfigError(field: unknown, message: "metric 'judge': unknown option '\(unknown)'; use one of: \(Self.keys.sorted().joined(separator: ", "))")
        }
        switch (spec.options["rubric"], spec.options["rubric_file"]) {
        case (.string(let text)?, nil):
            rubric = Rubric(id: "inline", version: "-", system: nil, template: text, source: "inline")
            try rubric.check()
        case (nil, .string(let file)?):
            rubric = try Rubric.load(path: context.resolve(path: file))
        case (nil, nil):
            throw MetricConfigError(field: "rubric", message: "metric 'judge' needs a rubric: `rubric: \"…{{output}}…\"` inline "
                + "or `rubric_file: ../rubrics/answer-in-darija.yaml` (relative to the suite folder)")
        case (.some, .some):
            throw MetricConfigError(field: "rubric", message: "metric 'judge': give either rubric or rubric_file, not both")
        default:
            throw MetricConfigError(field: "rubric", message: "metric 'judge': rubric and rubric_file must be text")
        }
        scale = try spec.options["scale"].map { try JudgeScale.parse($0, field: "scale") } ?? rubric.scale ?? JudgeScale(min: 1, max: 5)
        if let e = spec.options["endpoint"] {
            guard let s = e.stringValue, !s.isEmpty else {
                throw MetricConfigError(field: "endpoint", message: "metric 'judge': endpoint must be an endpoint name from the config file or a URL")
            }
            endpoint = s
        }
        maxTokens = 512
        if let m = spec.options["max_tokens"] {
            guard let d = m.doubleValue, d >= 1, d == d.rounded() else {
                throw MetricConfigError(field: "max_tokens", message: "metric 'judge': max_tokens must be a positive whole number")
            }
            maxTokens = Int(d)
        }
        temperature = 0
        if let t = spec.options["temperature"] {
            guard let d = t.doubleValue, d >= 0 else {
                throw MetricConfigError(field: "temperature", message: "metric 'judge': temperature must be a number ≥ 0")
            }
            temperature = d
        }
    }
}

/// LLM-as-judge: asks a judge model to grade the output with a rubric and reads `SCORE: <n>`
/// from its answer. `value` is the raw score normalised to 0–1; the judge prompt, its raw answer
/// and the raw score are stored in `details`. An unreadable answer or a failed judge request
/// gives `value: nil` with the reason in `error`, never a silent 0.
public struct JudgeMetric: Metric {
    /// `judge`.
    public let name = "judge"
    /// `judge/1 rubric:<id>@<version>#<sha256 prefix> scale:<min>-<max> judge:<endpoint>/<model>`.
    public let version: String
    /// The checked options.
    public let settings: JudgeSettings
    /// Who judges.
    public let backend: any JudgeBackend

    /// Builds the metric: checks the options, then resolves the judge endpoint (the entry's
    /// `endpoint`, else `$MIZAN_JUDGE_ENDPOINT`) through `context.judges`.
    public init(spec: MetricSpec, context: MetricContext) throws {
        settings = try JudgeSettings(spec: spec, context: context)
        let env = context.environment["MIZAN_JUDGE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let endpoint = settings.endpoint ?? env else {
            throw MetricConfigError(field: "endpoint", message: "metric 'judge' has no judge endpoint: add `endpoint: local-judge` "
                + "(a name from the config file's endpoints) to the metric entry, or set MIZAN_JUDGE_ENDPOINT to a name or URL")
        }
        guard let judges = context.judges else {
            throw MetricConfigError(field: "endpoint", message: "metric 'judge': no endpoint configuration available to resolve '\(endpoint)'")
        }
        backend = try judges.judgeBackend(for: endpoint)
        let r = settings.rubric
        version = "judge/1 rubric:\(r.id)@\(r.version)#\(r.hash.prefix(12)) scale:\(settings.scale.min)-\(settings.scale.max) judge:\(backend.identity)"
    }

    /// Asks the judge about one output.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        let r = settings.rubric
        let prompt = r.render(input, scale: settings.scale)
        var details: [String: JSONValue] = [
            "judge": .string(backend.identity),
            "rubric": .string("\(r.id)@\(r.version)"),
            "rubric_hash": .string(r.hash),
            "scale": .array([.number(Double(settings.scale.min)), .number(Double(settings.scale.max))]),
            "judge_prompt": .string(prompt),
        ]
        if let system = r.system { details["judge_system"] = .string(system) }
        let answer = try await backend.ask(JudgeRequest(system: r.system, prompt: prompt, maxTokens: settings.maxTokens,
                                                        temperature: settings.temperature))
        details["judge_latency"] = .number(answer.latency)
        guard let text = answer.text, answer.error == nil else {
            return MetricResult(value: nil, details: details,
                                error: "judge endpoint '\(backend.identity)' failed: \(answer.error ?? "no answer text")")
        }
        details["judge_answer"] = .string(text)
        switch JudgeScore.parse(text, scale: settings.scale) {
        case .success(let raw):
            details["raw_score"] = .number(raw)
            return MetricResult(value: settings.scale.normalise(raw), details: details)
        case .failure(let e):
            return MetricResult(value: nil, details: details, error: "judge answer could not be parsed: \(e.message)")
        }
    }
}
