import Foundation
import MizanCore
import MizanMetrics
import MizanYAML

/// The parsed `suite.yaml` of a suite.
struct SuiteHeader {
    var id = ""
    var version = ""
    var language = LanguageTag(language: "und", script: "Zyyy")
    var task = TaskKind.generation
    var template = ""
    var system: String?
    var metrics: [MetricSpec] = []
    var generation = GenerationSettings()
    var info: [String: String] = [:]
    var fewshot: FewShotSettings?
    /// The item field whose value groups items into clusters for intervals and paired tests (nil: items are independent).
    var cluster: String?
    /// How multiple choice is answered (`scoring:`).
    var scoring = ScoringMethod.generate
    /// `prompt.continuation` and `likelihood:` settings.
    var likelihood = LikelihoodSuiteSettings()

    /// Text covering everything in the header that shapes requests and scores.
    var canonical: String {
        let g = (try? JSONEncoder.sorted.encode(generation)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let m = JSONValue.array(metrics.map { .object(["name": .string($0.name), "options": .object($0.options)]) }).canonicalJSON
        let f = fewshot.map { "\($0.count)|\($0.source)|\($0.seed)|\($0.separator)" } ?? ""
        let parts = ["mizan-suite/1", id, version, language.description, task.rawValue, template, system ?? "", m, g]
        // Optional parts are appended only when set, so suites without them keep their released hashes.
        return (parts + (f.isEmpty ? [] : ["fewshot:" + f]) + (cluster.map { ["cluster:" + $0] } ?? []) + likelihoodParts)
            .joined(separator: "\u{1F}")
    }

    /// Hashes of the header's parts, so a changed released suite can say what changed.
    var partHashes: [String: String] {
        let g = (try? JSONEncoder.sorted.encode(generation)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let m = JSONValue.array(metrics.map { .object(["name": .string($0.name), "options": .object($0.options)]) }).canonicalJSON
        var parts = ["prompt": SHA256.hex(([language.description, task.rawValue, template, system ?? ""] + likelihoodParts).joined(separator: "\u{1F}")),
                     "metrics": SHA256.hex(m), "generation": SHA256.hex(g)]
        if let f = fewshot { parts["fewshot"] = SHA256.hex("\(f.count)|\(f.source)|\(f.seed)|\(f.separator)") }
        return parts
    }

    /// Whether `v` is MAJOR.MINOR.PATCH with an optional `-prerelease` (`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`),
    /// checked by hand: NSRegularExpression loads ICU.
    static func isSemver(_ v: String) -> Bool {
        let (core, dash, pre) = { () -> (Substring, Bool, Substring) in
            if let i = v.firstIndex(of: "-") { return (v[..<i], true, v[v.index(after: i)...]) }
            return (v[...], false, "")
        }()
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }) else { return false }
        guard dash else { return true }
        return !pre.isEmpty && pre.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 46 || $0 == 45 }
    }

    static func parse(_ root: YAMLValue, folder: String) throws -> SuiteHeader {
        var errors: [InputError] = []
        var h = SuiteHeader()
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch let e as InputError { errors.append(e) } catch { errors.append(root.error("\(error)", remedy: "fix the value")) }
        }
        for bad in root.unknownKeys(allowed: SuiteLoader.topKeys) {
            errors.append(bad.error("unknown key '\(bad.path)'", remedy: "use one of: \(SuiteLoader.topKeys.sorted().joined(separator: ", "))"))
        }
        func required(_ key: String, _ hint: String) -> YAMLValue? {
            if let v = root[key] { return v }
            errors.append(InputError(file: root.file, line: 1, field: key, problem: "missing required key '\(key)'", remedy: "add `\(key): \(hint)`"))
            return nil
        }
        if let v = required("id", "my-suite") { attempt { h.id = try v.string() } }
        if let v = required("version", "1.0.0") {
            attempt {
                h.version = try v.string()
                if !SuiteHeader.isSemver(h.version) {
                    throw v.error("version '\(h.version)' is not semantic (MAJOR.MINOR.PATCH)", remedy: "write e.g. 1.0.0")
                }
            }
        }
        if let v = required("language", "ary-Arab") {
            attempt {
                let raw = try v.string()
                guard let tag = LanguageTag(raw) else {
                    throw v.error("unknown language tag '\(raw)'", remedy: "use one of: \(LanguageTag.known.keys.sorted().joined(separator: ", "))")
                }
                h.language = tag
            }
        }
        if let v = root["task"] {
            attempt {
                let raw = try v.string()
                guard let t = TaskKind(rawValue: raw) else {
                    throw v.error("unknown task '\(raw)'", remedy: "use generation, multiple-choice, loglikelihood or rolling")
                }
                h.task = t
            }
        }
        // Texts scored whole or with a target need no prompt block: the template defaults to `{{input}}`.
        let promptOptional = h.task == .loglikelihood || h.task == .rolling
        if promptOptional && root["prompt"] == nil { h.template = "{{input}}" }
        if let p = promptOptional ? root["prompt"] : required("prompt", "{template: \"{{input}}\"}") {
            attempt {
                for bad in p.unknownKeys(allowed: ["template", "system", "continuation"]) {
                    errors.append(bad.error("unknown key '\(bad.path)'", remedy: "use prompt.template, prompt.system and prompt.continuation"))
                }
                if let t = p["template"] { h.template = try t.string() } else if promptOptional { h.template = "{{input}}" } else {
                    throw p.error("missing prompt.template", remedy: "add `template: \"{{input}}\"`")
                }
                h.system = try p["system"]?.string()
                if let c = p["continuation"] { h.likelihood.continuation = try c.string() }
            }
        }
        if let m = required("metrics", "[exact]") {
            attempt { h.metrics = try parseMetrics(m, folder: folder, errors: &errors) }
        }
        if let g = root["generation"] { attempt { h.generation = try parseGeneration(g) } }
        if let f = root["fewshot"] {
            attempt {
                if let bad = f.unknownKeys(allowed: ["count", "source", "seed", "separator"]).first {
                    throw bad.error("unknown fewshot key '\(bad.path)'", remedy: "use count, source, seed or separator")
                }
                guard let countNode = f["count"] else { throw f.error("fewshot needs a count", remedy: "add `count: 3`") }
                let count = try countNode.int()
                guard count >= 1 else { throw countNode.error("fewshot count must be at least 1", remedy: "write a positive integer") }
                h.fewshot = FewShotSettings(count: count, source: try f["source"]?.string() ?? "items",
                                            seed: UInt64(max(0, try f["seed"]?.int() ?? 1)),
                                            separator: try f["separator"]?.string() ?? "\n\n")
            }
        }
        if let c = root["cluster"] {
            attempt {
                let field = try c.string()
                guard !field.isEmpty, !["id", "lang", "input"].contains(field) else {
                    throw c.error("cluster must name an item field shared by related items, not '\(field)'",
                                  remedy: "write e.g. `cluster: passage_id` and give every item that field")
                }
                h.cluster = field
            }
        }
        for key in ["description", "license", "status", "source", "arabizi_convention"] {
            if let v = root[key] { attempt { h.info[key] = try infoText(v, key: key) } }
        }
        if let a = root["authors"] { attempt { h.info["authors"] = try a.sequence().map { try $0.string() }.joined(separator: ", ") } }
        h.parseLikelihood(root, errors: &errors)
        if !errors.isEmpty { throw InputErrors(errors) }
        return h
    }

    /// A text value, or for `source` also a mapping (as written by `mizan import`), kept as canonical JSON text.
    static func infoText(_ v: YAMLValue, key: String) throws -> String {
        if key == "source", (try? v.mapping()) != nil {
            if let bad = v.unknownKeys(allowed: ["importer", "files", "imported_at", "url", "note"]).first {
                throw bad.error("unknown key '\(bad.path)'", remedy: "use source.importer, source.files, source.imported_at, source.url or source.note")
            }
            return v.json().canonicalJSON
        }
        return try v.string()
    }

    static func parseMetrics(_ node: YAMLValue, folder: String, errors: inout [InputError]) throws -> [MetricSpec] {
        var specs: [MetricSpec] = []
        for entry in try node.sequence() {
            var spec: MetricSpec
            if case .object(var o) = entry.json() {
                guard let name = o.removeValue(forKey: "name")?.stringValue else {
                    errors.append(entry.error("metric entry has no name", remedy: "write `- name: exact` or just `- exact`"))
                    continue
                }
                spec = MetricSpec(name: name, options: o)
            } else {
                spec = MetricSpec(name: try entry.string())
            }
            do {
                try MetricRegistry.validate(spec, context: MetricContext(suiteFolder: folder))
                specs.append(spec)
            } catch let e as MetricConfigError {
                errors.append(entry.error(e.message, remedy: "fix the metric entry"))
            }
        }
        if specs.isEmpty && errors.isEmpty { throw node.error("no metrics listed", remedy: "list at least one, e.g. [exact]") }
        return specs
    }

    static func parseGeneration(_ g: YAMLValue) throws -> GenerationSettings {
        if let bad = g.unknownKeys(allowed: ["max_tokens", "temperature", "top_p", "stop", "seed"]).first {
            throw bad.error("unknown generation key '\(bad.path)'", remedy: "use max_tokens, temperature, top_p, stop or seed")
        }
        var s = GenerationSettings()
        s.maxTokens = try g["max_tokens"]?.int()
        s.temperature = try g["temperature"]?.double()
        s.topP = try g["top_p"]?.double()
        s.seed = try g["seed"]?.int()
        s.stop = try g["stop"]?.sequence().map { try $0.string() } ?? []
        return s
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, for stable hashes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
