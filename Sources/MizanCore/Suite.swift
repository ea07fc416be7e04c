/// What kind of answers a suite asks for.
public enum TaskKind: String, Sendable, Codable, CaseIterable {
    /// Free text output scored against references.
    case generation
    /// The model picks one of the item's `choices` (by generating a label, or by log-likelihood with `scoring: loglikelihood`).
    case multipleChoice = "multiple-choice"
    /// The log-likelihood of each item's `target` continuation after its rendered context (docs/likelihood.md).
    case loglikelihood
    /// The log-likelihood of each item's whole rendered text from the beginning of sequence, in windows (perplexity).
    case rolling
}

/// One metric as configured in a suite: its name and its options (e.g. `normalize: l1`).
public struct MetricSpec: Sendable, Hashable, Codable {
    /// Registered metric name, e.g. `exact`, `chrf++`.
    public var name: String
    /// Metric options from the suite file.
    public var options: [String: JSONValue]

    public init(name: String, options: [String: JSONValue] = [:]) {
        self.name = name
        self.options = options
    }
}

/// Decoding settings sent with every request of a suite.
public struct GenerationSettings: Sendable, Hashable, Codable {
    /// Upper bound on generated tokens.
    public var maxTokens: Int?
    /// Sampling temperature; 0 means greedy.
    public var temperature: Double?
    /// Nucleus sampling mass.
    public var topP: Double?
    /// Stop sequences.
    public var stop: [String]
    /// Sampling seed passed to servers that accept one.
    public var seed: Int?

    public init(maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
                stop: [String] = [], seed: Int? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case maxTokens = "max_tokens", temperature, topP = "top_p", stop, seed
    }
}

/// One turn of a conversation: `system`, `user` or `assistant`.
public struct ChatTurn: Sendable, Hashable, Codable {
    /// Speaker role.
    public var role: String
    /// Text of the turn.
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Few-shot settings: how many solved examples precede each item, where they come from, and the seed.
public struct FewShotSettings: Sendable, Hashable {
    /// Examples per item.
    public var count: Int
    /// `items` (other items of the suite) or a JSONL file relative to the suite folder.
    public var source: String
    /// Seed of the per-item example choice.
    public var seed: UInt64
    /// Text between examples on completion endpoints.
    public var separator: String

    public init(count: Int, source: String = "items", seed: UInt64 = 1, separator: String = "\n\n") {
        self.count = count
        self.source = source
        self.seed = seed
        self.separator = separator
    }
}

/// One item of a suite, as read from `items.jsonl`.
public struct SuiteItem: Sendable, Hashable, Codable {
    /// Unique id within the suite.
    public var id: String
    /// The text placed into `{{input}}`.
    public var input: String
    /// Accepted answers (empty for multiple choice, which uses `choices` + `answer`).
    public var references: [String]
    /// Options for multiple choice, in label order.
    public var choices: [String]?
    /// Zero-based index of the correct choice.
    public var answerIndex: Int?
    /// Language tag overriding the suite's.
    public var lang: LanguageTag?
    /// Every field of the JSON line (for template placeholders and external metrics).
    public var fields: [String: JSONValue]
    /// 1-based line number in `items.jsonl`.
    public var line: Int

    public init(id: String, input: String, references: [String] = [], choices: [String]? = nil,
                answerIndex: Int? = nil, lang: LanguageTag? = nil, fields: [String: JSONValue] = [:], line: Int = 0) {
        self.id = id
        self.input = input
        self.references = references
        self.choices = choices
        self.answerIndex = answerIndex
        self.lang = lang
        self.fields = fields
        self.line = line
    }
}

/// A loaded, validated prompt suite.
public struct Suite: Sendable, Hashable {
    /// Suite id (the folder name by convention).
    public var id: String
    /// Semantic version of the suite content.
    public var version: String
    /// Default language tag for items.
    public var language: LanguageTag
    /// Generation or multiple choice.
    public var task: TaskKind
    /// User-turn template with `{{field}}` placeholders.
    public var template: String
    /// Optional system prompt (chat endpoints only; prepended for completions).
    public var system: String?
    /// Metrics to compute on each item.
    public var metrics: [MetricSpec]
    /// Decoding settings.
    public var generation: GenerationSettings
    /// Free-form descriptive fields (description, licence, authors, status).
    public var info: [String: String]
    /// The items in file order.
    public var items: [SuiteItem]
    /// SHA-256 over everything that shapes requests and scores.
    public var contentHash: String
    /// Folder the suite was loaded from.
    public var path: String
    /// Few-shot settings, if the suite asks for examples.
    public var fewshot: FewShotSettings?
    /// The item field that groups related items into clusters (`cluster:` in suite.yaml), if any.
    public var cluster: String?
    /// Hashes of the parts (`prompt`, `metrics`, `generation`, `fewshot`, `items`), to say what changed.
    public var partHashes: [String: String] = [:]
    /// The pool few-shot examples are drawn from (the items themselves, or the `source` file's items).
    public var fewshotPool: [SuiteItem] = []
    /// Number of items; equals `items.count` unless the items are streamed (see `streamed`).
    public var itemCount: Int
    /// True when `items` was left empty on purpose: the items are read from `items.jsonl` one at a
    /// time while running (`SuiteLoader.load(folder:streaming: true)`, `SuiteItemReader`).
    public var streamed = false
    /// For each item language, the 0-based index of its first item (languages of a `--limit` prefix).
    public var firstItemOfLanguage: [LanguageTag: Int] = [:]
    /// Size and modification time of `items.jsonl` when loaded; a streamed read checks it is unchanged.
    public var itemsFileStamp = ""
    /// How multiple-choice items are answered (`scoring:`); `generate` for every other task.
    public var scoring = ScoringMethod.generate
    /// Likelihood scoring settings (`prompt.continuation`, `likelihood:`), for likelihood suites.
    public var likelihood = LikelihoodSuiteSettings()

    public init(id: String, version: String, language: LanguageTag, task: TaskKind, template: String,
                system: String?, metrics: [MetricSpec], generation: GenerationSettings,
                info: [String: String] = [:], items: [SuiteItem], contentHash: String, path: String) {
        self.id = id
        self.version = version
        self.language = language
        self.task = task
        self.template = template
        self.system = system
        self.metrics = metrics
        self.generation = generation
        self.info = info
        self.items = items
        self.itemCount = items.count
        self.contentHash = contentHash
        self.path = path
    }

    /// The language an item is in: its own `lang`, else the suite's.
    public func language(of item: SuiteItem) -> LanguageTag { item.lang ?? language }

    /// The sorted languages of the first `n` items (works for streamed suites too).
    public func languages(ofFirst n: Int) -> [LanguageTag] {
        if streamed || items.isEmpty { return firstItemOfLanguage.filter { $0.value < n }.keys.sorted() }
        return Set(items.prefix(n).map { language(of: $0) }).sorted()
    }
}
