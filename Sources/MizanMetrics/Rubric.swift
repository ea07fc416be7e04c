import Foundation
import MizanCore
import MizanYAML

/// A versioned judge rubric: instructions with `{{input}}`, `{{output}}`, `{{reference}}`,
/// `{{references}}`, `{{language}}`, `{{scale_min}}`, `{{scale_max}}` and item-field placeholders.
public struct Rubric: Sendable, Hashable {
    /// Rubric id (`inline` for a rubric written in the suite).
    public var id: String
    /// Rubric version (`-` for an inline rubric without one).
    public var version: String
    /// Optional system prompt for the judge.
    public var system: String?
    /// The judge prompt template.
    public var template: String
    /// The scale the rubric file declares, if any (the suite's `scale:` overrides it).
    public var scale: JudgeScale?
    /// Where the rubric came from: `inline` or the file path.
    public var source: String

    /// Creates a rubric.
    public init(id: String, version: String, system: String?, template: String, scale: JudgeScale? = nil, source: String) {
        self.id = id
        self.version = version
        self.system = system
        self.template = template
        self.scale = scale
        self.source = source
    }

    /// SHA-256 over id, version, system prompt and template: changes whenever the judge would be asked differently.
    public var hash: String {
        SHA256.hex(["mizan-rubric/1", id, version, system ?? "", template].joined(separator: "\u{1F}"))
    }

    /// The fixed format instruction mizan appends to every judge prompt; `JudgeScore.parse` reads it back.
    public static func formatInstruction(_ scale: JudgeScale) -> String {
        "\n\nEnd your answer with one final line of exactly this form:\nSCORE: <n>\n"
            + "where <n> is a whole number from \(scale.min) (worst) to \(scale.max) (best)."
    }

    /// The full judge prompt for one item: the rendered template plus the format instruction.
    public func render(_ input: MetricInput, scale: JudgeScale) -> String {
        var values: [String: String] = [:]
        for (k, v) in input.fields { if let s = v.stringValue { values[k] = s } }
        values["input"] = input.fields["input"]?.stringValue ?? ""
        values["output"] = input.output
        values["reference"] = input.references.first ?? ""
        values["references"] = input.references.joined(separator: "\n")
        values["language"] = input.language.description
        values["scale_min"] = String(scale.min)
        values["scale_max"] = String(scale.max)
        return Rubric.substitute(template, values) + Rubric.formatInstruction(scale)
    }

    /// Replaces `{{name}}` placeholders in one pass (substituted text is never re-scanned); unknown names stay.
    static func substitute(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}") else { out += rest[open.lowerBound...]; return out }
            let name = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let v = values[name] { out += v } else { out += rest[open.lowerBound..<close.upperBound] }
            rest = after[close.upperBound...]
        }
        return out + rest
    }

    /// Loads a rubric file: YAML (`id`, `version`, `template`, optional `system`, `scale`, `description`)
    /// or Markdown/text with a `---` front matter holding `id`, `version` (and optional `system`, `scale`).
    public static func load(path: String) throws -> Rubric {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MetricConfigError(field: "rubric_file", message: "metric 'judge': cannot read rubric file '\(path)'; "
                + "rubric_file is relative to the suite folder (e.g. ../rubrics/answer-in-darija.yaml)")
        }
        let text: String
        do { text = try TextFile.decodeUTF8(data, file: path) } catch { throw MetricConfigError(field: "rubric_file", message: "\(error)") }
        let lower = path.lowercased()
        do {
            if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
                return try fromYAML(try YAMLValue.parse(text, file: path), template: nil, path: path)
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
                  let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
                throw MetricConfigError(field: "rubric_file", message: "metric 'judge': rubric file '\(path)' has no front matter; "
                    + "start it with ---, id: …, version: …, --- and then the prompt")
            }
            let front = lines[1..<end].joined(separator: "\n")
            let body = lines[(end + 1)...].joined(separator: "\n").trimmingCharacters(in: .newlines)
            return try fromYAML(try YAMLValue.parse(front, file: path), template: body, path: path)
        } catch let e as MetricConfigError {
            throw e
        } catch {
            throw MetricConfigError(field: "rubric_file", message: "metric 'judge': \(error)")
        }
    }

    static let fileKeys: Set<String> = ["id", "version", "template", "system", "scale", "description"]

    static func fromYAML(_ root: YAMLValue, template body: String?, path: String) throws -> Rubric {
        if let bad = root.unknownKeys(allowed: fileKeys).first {
            throw bad.error("unknown rubric key '\(bad.path)'", remedy: "use one of: \(fileKeys.sorted().joined(separator: ", "))")
        }
        guard let id = try root["id"]?.string(), !id.isEmpty, let version = try root["version"]?.string(), !version.isEmpty else {
            throw root.error("a rubric file needs `id` and `version`", remedy: "add e.g. `id: answer-in-darija` and `version: 1.0.0`")
        }
        let template: String
        if let body {
            template = body
        } else {
            guard let t = try root["template"]?.string() else { throw root.error("missing `template`", remedy: "add the judge prompt as `template: |`") }
            template = t
        }
        var scale: JudgeScale?
        if let s = root["scale"] { scale = try JudgeScale.parse(s.json(), field: "scale") }
        let rubric = Rubric(id: id, version: version, system: try root["system"]?.string(), template: template, scale: scale, source: path)
        try rubric.check()
        return rubric
    }

    /// Throws unless the template shows the judge the output.
    func check() throws {
        guard template.contains("{{output}}") || template.contains("{{ output }}") else {
            throw MetricConfigError(field: "rubric", message: "metric 'judge': rubric '\(id)' never shows the judge the model output; "
                + "put {{output}} in the template (also available: {{input}}, {{reference}}, {{language}})")
        }
    }
}

/// The judge's integer scale, e.g. 1–5; raw scores are normalised to 0–1.
public struct JudgeScale: Sendable, Hashable {
    /// Worst score.
    public var min: Int
    /// Best score.
    public var max: Int

    /// Creates a scale; `min` must be below `max`.
    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }

    /// `raw` mapped to 0…1.
    public func normalise(_ raw: Double) -> Double { (raw - Double(min)) / Double(max - min) }

    /// Reads `[1, 5]`, `"1-5"` or `{min: 1, max: 5}`.
    public static func parse(_ value: JSONValue, field: String) throws -> JudgeScale {
        var bounds: [Double] = []
        switch value {
        case .array(let a): bounds = a.compactMap(\.doubleValue)
        case .string(let s): bounds = s.split(whereSeparator: { "-–—.".contains($0) }).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        case .object(let o): bounds = [o["min"]?.doubleValue, o["max"]?.doubleValue].compactMap { $0 }
        default: break
        }
        guard bounds.count == 2, bounds.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e6 }), bounds[0] < bounds[1] else {
            throw MetricConfigError(field: field, message: "metric 'judge': scale must be two whole numbers, low then high, e.g. [1, 5]")
        }
        return JudgeScale(min: Int(bounds[0]), max: Int(bounds[1]))
    }
}

/// The parse rule for judge answers.
public enum JudgeScore {
    static let pattern = try! NSRegularExpression(
        pattern: #"SCORE\s*[:：=]\s*(-?[0-9]+(?:[.,][0-9]+)?)(?:\s*/\s*[0-9]+)?"#, options: [.caseInsensitive])

    /// Finds the last `SCORE: <n>` in the answer (Arabic-Indic ٠–٩ and Persian ۰–۹ digits, `**`
    /// and backticks around it, `SCORE: 4/5` and decimals with `.`, `,` or `٫` accepted) and checks
    /// it lies on the scale; returns the raw score or the reason it could not be read.
    public static func parse(_ answer: String, scale: JudgeScale) -> Result<Double, JudgeParseError> {
        var text = ""
        for u in answer.unicodeScalars {
            switch u.value {
            case 0x0660...0x0669: text.unicodeScalars.append(Unicode.Scalar(u.value - 0x0660 + 0x30)!)
            case 0x06F0...0x06F9: text.unicodeScalars.append(Unicode.Scalar(u.value - 0x06F0 + 0x30)!)
            case 0x066B: text.append(".")
            case 0x2A, 0x60: continue
            default: text.unicodeScalars.append(u)
            }
        }
        let ns = text as NSString
        guard let m = pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).last,
              let raw = Double(ns.substring(with: m.range(at: 1)).replacingOccurrences(of: ",", with: ".")) else {
            return .failure(JudgeParseError(message: "no line `SCORE: <n>` (\(scale.min)–\(scale.max)) in the answer \(quote(answer))"))
        }
        guard raw >= Double(scale.min), raw <= Double(scale.max) else {
            return .failure(JudgeParseError(message: "score \(ns.substring(with: m.range(at: 1))) is outside the scale \(scale.min)–\(scale.max)"))
        }
        return .success(raw)
    }

    /// The start of an answer, quoted, for error messages.
    static func quote(_ s: String) -> String {
        let flat = s.replacingOccurrences(of: "\n", with: " ")
        return "'" + (flat.count > 120 ? String(flat.prefix(120)) + "…" : flat) + "'"
    }
}

/// Why a judge answer could not be read.
public struct JudgeParseError: Error, Sendable, Hashable {
    /// What was expected and what came back (quoted prefix).
    public var message: String
}
