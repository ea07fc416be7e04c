import Foundation
import MizanCore
import MizanReport
import MizanStore

/// A committed-friendly snapshot of stored runs that a gate can compare against without the original store.
///
/// Format (`schema: mizan.baseline`, `schema_version: 1`): the run records with their manifests (suite and
/// template hashes, normalizer and metric versions, endpoint fingerprint, generation settings, seeds) and,
/// per item and sample, its language, tags, scores, endpoint error kind, latency, TTFT, token counts and request
/// hash; an answer reused from the response cache has `reused: true`, `reused_from` (its origin run) and a null
/// latency. Prompts, references and outputs are left out unless asked (`includeText`), so a baseline can be
/// committed for a private suite. No secrets: manifests never hold them. Items are written one per line, sorted,
/// so a changed baseline shows as a readable diff.
public struct Baseline: Sendable {
    /// The baseline's name (its file is `Results/baselines/<name>.json`).
    public var name: String
    /// The runs, with their items as far as the baseline keeps them.
    public var runs: [LoadedRun]
    /// Whether prompts, references and outputs are included.
    public var includesText: Bool
    /// When the baseline was written (ISO-8601).
    public var createdAt: String

    /// The schema identifier written into the file.
    public static let schema = "mizan.baseline"
    /// The schema version this mizan writes and reads.
    public static let schemaVersion = 1

    public init(name: String, runs: [LoadedRun], includesText: Bool, createdAt: String) {
        self.name = name
        self.runs = runs
        self.includesText = includesText
        self.createdAt = createdAt
    }

    /// The file's text.
    public func encoded(harnessVersion: String) -> String {
        var out = "{\n"
        out += "  \"schema\": \(JSONValue.string(Self.schema).canonicalJSON),\n"
        out += "  \"schema_version\": \(Self.schemaVersion),\n"
        out += "  \"name\": \(JSONValue.string(name).canonicalJSON),\n"
        out += "  \"created_at\": \(JSONValue.string(createdAt).canonicalJSON),\n"
        out += "  \"mizan_version\": \(JSONValue.string(harnessVersion).canonicalJSON),\n"
        out += "  \"includes_text\": \(includesText),\n"
        out += "  \"runs\": [\n"
        out += runs.map { loaded in
            var s = "    {\n      \"run\": \(Self.runJSON(loaded.run).canonicalJSON),\n      \"items\": [\n"
            let items = loaded.items.sorted { ($0.itemID, $0.sample) < ($1.itemID, $1.sample) }
            s += items.map { "        " + Self.itemJSON($0, includeText: includesText).canonicalJSON }.joined(separator: ",\n")
            return s + "\n      ]\n    }"
        }.joined(separator: ",\n")
        return out + "\n  ]\n}\n"
    }

    static func runJSON(_ r: RunRecord) -> JSONValue {
        .object(["id": .string(r.id), "suite_id": .string(r.suiteID), "suite_version": .string(r.suiteVersion),
                 "suite_hash": .string(r.suiteHash), "endpoint": .string(r.endpoint), "model": .string(r.model),
                 "status": .string(r.status.rawValue), "started_at": .string(r.startedAt),
                 "finished_at": r.finishedAt.map { .string($0) } ?? .null, "item_count": .number(Double(r.itemCount)),
                 "manifest": r.manifest])
    }

    static func itemJSON(_ item: ItemRecord, includeText: Bool) -> JSONValue {
        let r = item.response
        func num(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        func int(_ x: Int?) -> JSONValue { x.map { .number(Double($0)) } ?? .null }
        var scores: [String: JSONValue] = [:]
        for s in item.scores { scores[s.metric] = num(s.value) }
        var o: [String: JSONValue] = [
            "id": .string(item.itemID), "sample": .number(Double(item.sample)), "language": .string(item.language),
            "request_hash": .string(item.requestHash), "scores": .object(scores),
            "latency": r.reused ? .null : .number(r.latency), "ttft": num(r.timeToFirstToken), "attempts": .number(Double(r.attempts)),
            "prompt_tokens": int(r.usage.promptTokens), "completion_tokens": int(r.usage.completionTokens),
            "error": r.failure.map { .string($0.kind.rawValue) } ?? .null,
        ]
        if r.reused {
            o["reused"] = .bool(true)
            o["reused_from"] = r.reusedFrom.map { .string($0) } ?? .null
        }
        if let tags = item.fields["tags"] { o["tags"] = tags }
        if let kind = item.fields["kind"] { o["kind"] = kind }
        if includeText {
            o["prompt"] = .string(item.prompt)
            o["output"] = r.text.map { .string($0) } ?? .null
            o["references"] = .array(item.references.map { .string($0) })
            if let input = item.fields["input"] { o["input"] = input }
        }
        return .object(o)
    }

    /// Reads a baseline file; every problem names the file and what to do.
    public static func load(path: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, problem: "cannot read the baseline file",
                             remedy: "check the path, or write one with `\(CLICommand.baselineSave) <run-id> \(CLIFlag.name) NAME`")
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: JSONValue
        do { root = try StrictJSON.parse(text) } catch {
            throw InputError(file: path, problem: "not valid JSON (\(error))", remedy: "restore the file from version control or save it again")
        }
        func bad(_ what: String) -> InputError {
            InputError(file: path, problem: what, remedy: "save the baseline again with `mizan baseline save`")
        }
        guard root["schema"]?.stringValue == schema else { throw bad("not a mizan baseline (missing \"schema\": \"\(schema)\")") }
        guard let v = root["schema_version"]?.doubleValue, Int(v) <= schemaVersion else {
            throw InputError(file: path, problem: "baseline schema version \(root["schema_version"]?.doubleValue.map { String(Int($0)) } ?? "?") is newer than this mizan reads (\(schemaVersion))",
                             remedy: "upgrade mizan")
        }
        guard case .array(let runs)? = root["runs"], !runs.isEmpty else { throw bad("the baseline has no runs") }
        let loaded = try runs.enumerated().map { i, entry -> LoadedRun in
            guard let r = entry["run"], let run = runRecord(r) else { throw bad("runs[\(i)].run is incomplete") }
            guard case .array(let items)? = entry["items"] else { throw bad("runs[\(i)].items is missing") }
            return LoadedRun(run: run, items: try items.enumerated().map { j, item in
                guard let record = itemRecord(item) else { throw bad("runs[\(i)].items[\(j)] is incomplete (needs id, language, scores)") }
                return record
            })
        }
        return Baseline(name: root["name"]?.stringValue ?? "", runs: loaded,
                        includesText: root["includes_text"] == .bool(true), createdAt: root["created_at"]?.stringValue ?? "")
    }

    static func runRecord(_ j: JSONValue) -> RunRecord? {
        guard let id = j["id"]?.stringValue, let suite = j["suite_id"]?.stringValue, let version = j["suite_version"]?.stringValue,
              let hash = j["suite_hash"]?.stringValue else { return nil }
        return RunRecord(id: id, suiteID: suite, suiteVersion: version, suiteHash: hash,
                         endpoint: j["endpoint"]?.stringValue ?? "", model: j["model"]?.stringValue ?? "",
                         status: j["status"]?.stringValue.map(RunStatus.init(stored:)) ?? .completed, startedAt: j["started_at"]?.stringValue ?? "",
                         finishedAt: j["finished_at"]?.stringValue, itemCount: Int(j["item_count"]?.doubleValue ?? 0),
                         manifest: j["manifest"] ?? .object([:]))
    }

    static func itemRecord(_ j: JSONValue) -> ItemRecord? {
        guard let id = j["id"]?.stringValue, let language = j["language"]?.stringValue, case .object(let scores)? = j["scores"] else { return nil }
        let failure = j["error"]?.stringValue.map {
            EndpointFailure(kind: EndpointErrorKind(rawValue: $0) ?? .transfer, message: "recorded in the baseline")
        }
        var response = ModelResponse(text: j["output"]?.stringValue ?? (failure == nil ? "" : nil), httpStatus: failure == nil ? 200 : 0,
                                     latency: j["latency"]?.doubleValue ?? 0, timeToFirstToken: j["ttft"]?.doubleValue,
                                     usage: TokenUsage(promptTokens: j["prompt_tokens"]?.doubleValue.map { Int($0) },
                                                       completionTokens: j["completion_tokens"]?.doubleValue.map { Int($0) }),
                                     failure: failure)
        response.attempts = Int(j["attempts"]?.doubleValue ?? 1)
        // Baselines written before `reused` existed marked a reused answer only with attempts 0 (and a copy of the
        // original latency, dropped here as the store's migration 6 drops it).
        if j["reused"] == .bool(true) || response.attempts == 0 {
            response.reused = true
            response.reusedFrom = j["reused_from"]?.stringValue
            response.latency = 0
            response.timeToFirstToken = nil
        }
        var fields: [String: JSONValue] = [:]
        for key in ["tags", "kind", "input"] { if let v = j[key] { fields[key] = v } }
        let metricScores = scores.sorted { $0.key < $1.key }.map { name, value in
            ScoreRecord(metric: name, metricVersion: "", value: value.doubleValue)
        }
        var references: [String] = []
        if case .array(let refs)? = j["references"] { references = refs.compactMap(\.stringValue) }
        return ItemRecord(itemID: id, language: language, requestHash: j["request_hash"]?.stringValue ?? "",
                          prompt: j["prompt"]?.stringValue ?? "", response: response, scores: failure == nil ? metricScores : [],
                          references: references, fields: fields, sample: Int(j["sample"]?.doubleValue ?? 0))
    }
}
