import Foundation
import MizanCore

/// Settings shared by every importer: where to write, and what to put in `suite.yaml`.
public struct ImportOptions: Sendable {
    /// The suite folder to create.
    public var out: String
    /// Suite id (default: the last component of `out`).
    public var id: String?
    /// Suite version (semver).
    public var version: String
    /// Licence of the user's copy of the data; required.
    public var licence: String?
    /// Description override; each importer writes one otherwise.
    public var description: String?
    /// Import only the first `limit` items.
    public var limit: Int?
    /// Replace a non-empty `out` folder.
    public var force: Bool
    /// Time recorded as `source.imported_at`.
    public var now: Date

    /// Options with the defaults of `mizan import`.
    public init(out: String, id: String? = nil, version: String = "1.0.0", licence: String? = nil,
                description: String? = nil, limit: Int? = nil, force: Bool = false, now: Date = Date()) {
        self.out = out
        self.id = id
        self.version = version
        self.licence = licence
        self.description = description
        self.limit = limit
        self.force = force
        self.now = now
    }

    /// The suite id to write.
    public var suiteID: String { id ?? (out as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? "imported" }
}

/// One input file of an import, as recorded under `source.files` in `suite.yaml`.
public struct ImportedFile: Sendable, Hashable {
    /// Absolute path of the file read.
    public var path: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// Size in bytes.
    public var bytes: Int
}

/// What an import produced: the validated suite and the files it was made from.
public struct ImportResult: Sendable {
    /// The suite as loaded back from the written folder.
    public var suite: Suite
    /// The input files with their checksums.
    public var files: [ImportedFile]
}

/// A suite about to be written by an importer.
struct SuiteDraft {
    var language: LanguageTag
    var task: TaskKind
    var description: String
    var importer: String
    var files: [ImportedFile]
    var template: String
    /// Metric names with their options, in order (options as YAML scalars already quoted).
    var metrics: [(name: String, options: [(String, String)])]
    var maxTokens: Int
    var stop: [String] = ["\n"]
    var items: [JSONValue]
    /// `scoring:` of a multiple-choice suite; `.loglikelihood` writes no `generation:` block.
    var scoring = ScoringMethod.generate
    /// `prompt.continuation` (log-likelihood multiple choice); nil keeps the default `" {{choice}}"`.
    var continuation: String?
    /// `cluster:` (an item field grouping related items), if any.
    var cluster: String?

    /// Whether the suite is scored by log-likelihood (no `generation:` block).
    var isLikelihood: Bool { task == .loglikelihood || task == .rolling || (task == .multipleChoice && scoring == .loglikelihood) }
}

/// Reading inputs and writing suite folders, shared by the importers.
enum SuiteImporter {
    /// Reads a whole file and records its checksum; a missing file is an input error.
    static func read(_ path: String) throws -> ([UInt8], ImportedFile) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw InputError(file: path, problem: "cannot read the file", remedy: "check that the path exists and is readable")
        }
        let bytes = [UInt8](data)
        var h = SHA256()
        h.update(bytes)
        return (bytes, ImportedFile(path: absolute, sha256: h.finalizeHex(), bytes: bytes.count))
    }

    /// Splits bytes into lines on `\n` (a trailing `\r` and a leading BOM are dropped), checking UTF-8 line by line.
    static func lines(_ bytes: [UInt8], file: String) throws -> [String] {
        var out: [String] = []
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNo = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNo += 1
            var slice = bytes[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            guard let text = String(validating: slice, as: UTF8.self) else {
                throw InputError(file: file, line: lineNo, problem: "line is not valid UTF-8",
                                 remedy: "re-save the file as UTF-8 (e.g. `iconv -t UTF-8`)")
            }
            out.append(text)
            start = end + 1
        }
        return out
    }

    /// Parses one JSON Lines line as an object, or throws an error naming the line.
    static func jsonObject(_ text: String, file: String, line: Int) throws -> [String: JSONValue] {
        let value: JSONValue
        do { value = try StrictJSON.parse(text) } catch {
            throw InputError(file: file, line: line, problem: "line is not valid JSON (\(error))", remedy: "write one JSON object per line")
        }
        guard case .object(let o) = value else {
            throw InputError(file: file, line: line, problem: "line is a JSON value but not an object", remedy: "write one JSON object per line")
        }
        return o
    }

    /// Unicode NFC, the only change made to imported text.
    static func nfc(_ s: String) -> String { s.precomposedStringWithCanonicalMapping }

    /// Checks the options before any work is done.
    static func check(_ options: ImportOptions) throws {
        guard let licence = options.licence, !licence.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw UsageError("\(CLIFlag.licence) is required: mizan records the licence of your copy in suite.yaml; "
                + "pass it, e.g. \(CLIFlag.licence) \"CC BY-SA 4.0\" for FLORES+ or Belebele")
        }
        if !SuiteHeader.isSemver(options.version) {
            throw UsageError("\(CLIFlag.version) '\(options.version)' is not semantic (MAJOR.MINOR.PATCH); write e.g. 1.0.0")
        }
        if let limit = options.limit, limit < 1 { throw UsageError("\(CLIFlag.limit) must be at least 1") }
        let out = options.out
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir) {
            guard isDir.boolValue else { throw UsageError("\(CLIFlag.out) \(out) is a file; pass a folder path") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            if !contents.isEmpty && !options.force {
                throw UsageError("\(CLIFlag.out) \(out) is not empty (\(contents.count) entries); pass \(CLIFlag.force) to replace it, or choose another folder")
            }
        }
    }

    /// Writes the draft into a temporary folder next to `out`, validates it, then renames it into place.
    static func write(_ draft: SuiteDraft, options: ImportOptions) throws -> ImportResult {
        let fm = FileManager.default
        let out = URL(fileURLWithPath: options.out).standardizedFileURL
        let parent = out.deletingLastPathComponent()
        let tag = UUID().uuidString.prefix(8)
        let temp = parent.appendingPathComponent(".\(out.lastPathComponent).import-\(tag)")
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        var finished = false
        defer { if !finished { try? fm.removeItem(at: temp) } }

        try Data(yaml(draft, options: options).utf8).write(to: temp.appendingPathComponent("suite.yaml"))
        var body: [UInt8] = []
        for item in draft.items {
            item.write(to: &body)
            body.append(0x0A)
        }
        try Data(body).write(to: temp.appendingPathComponent("items.jsonl"))
        _ = try SuiteLoader.load(folder: temp.path)

        if fm.fileExists(atPath: out.path) {
            let old = parent.appendingPathComponent(".\(out.lastPathComponent).old-\(tag)")
            try fm.moveItem(at: out, to: old)
            do { try fm.moveItem(at: temp, to: out) } catch {
                try? fm.moveItem(at: old, to: out)
                throw error
            }
            try? fm.removeItem(at: old)
        } else {
            try fm.moveItem(at: temp, to: out)
        }
        finished = true
        return ImportResult(suite: try SuiteLoader.load(folder: out.path), files: draft.files)
    }

    /// The `suite.yaml` text of a draft.
    static func yaml(_ d: SuiteDraft, options: ImportOptions) -> String {
        let q = quoted
        let date = isoTimestamp(options.now.timeIntervalSince1970, fractionDigits: 0)
        var y = """
            id: \(q(options.suiteID))
            version: \(q(options.version))
            changelog:
              - \(q("\(options.version): imported with `mizan import \(d.importer)` on \(date)"))
            language: \(d.language)
            task: \(d.task.rawValue)\(d.scoring == .generate ? "" : "\nscoring: \(d.scoring.rawValue)")
            description: \(q(options.description ?? d.description))
            license: \(q(options.licence ?? ""))
            status: "imported from a local copy; not redistributed by mizan"
            source:
              importer: \(d.importer)
              files:

            """
        for f in d.files {
            y += "    - path: \(q(f.path))\n      sha256: \(q(f.sha256))\n      bytes: \(f.bytes)\n"
        }
        y += "  imported_at: \(q(date))\nprompt:\n  template: \(q(d.template))\n"
        if let c = d.continuation { y += "  continuation: \(q(c))\n" }
        y += "metrics:\n"
        for m in d.metrics {
            if m.options.isEmpty {
                y += "  - \(plain(m.name))\n"
            } else {
                y += "  - name: \(plain(m.name))\n"
                for (k, v) in m.options { y += "    \(k): \(v)\n" }
            }
        }
        if let c = d.cluster { y += "cluster: \(plain(c))\n" }
        if !d.isLikelihood {
            y += "generation:\n  max_tokens: \(d.maxTokens)\n  temperature: 0\n  stop: [\(d.stop.map(q).joined(separator: ", "))]\n"
        }
        return y
    }

    /// A metric name as a plain YAML scalar when it is safe to write one (`chrf++`), else quoted.
    static func plain(_ s: String) -> String {
        s.range(of: #"^[A-Za-z][A-Za-z0-9+_.-]*$"#, options: .regularExpression) != nil ? s : quoted(s)
    }

    /// A YAML double-quoted scalar; escapes everything YAML does not allow raw.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFE}", "\u{FFFF}":
                out += String(format: "\\u%04X", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// The metrics of an imported log-likelihood multiple-choice suite.
    static let choiceLikelihoodMetrics: [(name: String, options: [(String, String)])] =
        ["acc", "acc_norm", "gold_prob", "brier"].map { ($0, []) }

    /// The metrics of an imported rolling (bits-per-byte) suite.
    static let rollingMetrics: [(name: String, options: [(String, String)])] = ["bits_per_byte", "byte_perplexity"].map { ($0, []) }

    /// English names of the tags, for prompts and descriptions.
    static let languageNames: [String: String] = [
        "ary-Arab": "Moroccan Darija (Arabic script)", "ary-Latn": "Moroccan Darija (Latin script)",
        "arb-Arab": "Modern Standard Arabic", "zgh-Tfng": "Standard Moroccan Tamazight (Tifinagh)",
        "zgh-Latn": "Standard Moroccan Tamazight (Latin script)", "tzm-Latn": "Central Atlas Tamazight (Latin script)",
        "shi-Latn": "Tashelhit (Latin script)", "kab-Latn": "Kabyle (Latin script)", "rif-Latn": "Tarifit (Latin script)",
        "fra-Latn": "French", "eng-Latn": "English",
    ]

    /// The answer cue ending multiple-choice prompts, in the items' language.
    static func answerCue(_ tag: LanguageTag) -> String {
        switch tag.description {
        case "ary-Arab": return "الجواب:"
        case "arb-Arab": return "الإجابة:"
        case "ary-Latn": return "Jawab:"
        case "fra-Latn": return "Réponse :"
        default: return "Answer:"
        }
    }
}
