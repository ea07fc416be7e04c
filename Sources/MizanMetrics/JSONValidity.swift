import Foundation
import MizanCore

/// 1 when the output is valid JSON (strict RFC 8259 via `StrictJSON`, any top-level value) and, if the suite gives a
/// `schema` option, satisfies that schema (`JSONSchemaSubset`); else 0.
///
/// Before parsing, surrounding whitespace is trimmed, and when the trimmed output *starts* with a
/// Markdown code fence (```` ``` ```` or ```` ```json ````, any info string) the opening fence line and a
/// closing ```` ``` ```` at the end are removed; `details.fenced` records that. Prose before or after the
/// JSON is not stripped: it makes the output invalid, because an answer that must be JSON is read
/// by a program. Details: `validJSON`, `fenced`, `parseError`, and with a schema `schemaValid` and
/// `schemaErrors` (one message per failure, each starting with a JSON path such as `$.answer`).
/// The `schema` option is a JSON object, or a string holding one.
public struct JSONValidity: Metric {
    /// The schema from the suite, if any.
    public let schema: JSONSchemaSubset?
    /// `json`.
    public var name: String { "json" }
    /// `json/1`, or `json/1 schema` when a schema is checked.
    public var version: String { schema == nil ? "json/1" : "json/1 schema" }

    /// Reads and checks the `schema` option.
    public init(spec: MetricSpec) throws {
        switch spec.options["schema"] {
        case nil:
            schema = nil
        case .string(let text)?:
            guard let value = try? StrictJSON.parse(text) else {
                throw MetricConfigError(field: "schema", message: "metric 'json': the schema string is not valid JSON")
            }
            schema = try JSONSchemaSubset(value)
        case let value?:
            schema = try JSONSchemaSubset(value)
        }
    }

    /// Scores one item.
    public func score(_ input: MetricInput) async throws -> MetricResult {
        let (body, fenced) = JSONValidity.unfence(input.output)
        var details: [String: JSONValue] = ["fenced": .bool(fenced)]
        let value: JSONValue
        do {
            value = try StrictJSON.parse(body)
        } catch {
            details["validJSON"] = .bool(false)
            details["parseError"] = .string(String(describing: error))
            return MetricResult(value: 0, details: details)
        }
        details["validJSON"] = .bool(true)
        guard let schema else { return MetricResult(value: 1, details: details) }
        let errors = schema.validate(value)
        details["schemaValid"] = .bool(errors.isEmpty)
        details["schemaErrors"] = .array(errors.map(JSONValue.string))
        return MetricResult(value: errors.isEmpty ? 1 : 0, details: details)
    }

    /// Trims whitespace and removes a leading Markdown code fence (and its closing fence).
    public static func unfence(_ output: String) -> (body: String, fenced: Bool) {
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```") else { return (trimmed, false) }
        var body = trimmed.dropFirst(3)
        if let newline = body.firstIndex(where: \.isNewline) {
            body = body[body.index(after: newline)...]
        } else {
            body = body.drop(while: { $0.isLetter })   // ```json{...}``` on one line
        }
        if body.hasSuffix("```") { body = body.dropLast(3) }
        return (body.trimmingCharacters(in: .whitespacesAndNewlines), true)
    }
}
