import MizanCore

/// The JSON-Schema subset the `json` metric checks: `type` (a name or a list of names among object,
/// array, string, number, integer, boolean, null), `required`, `properties`, `enum`, `items` (one
/// schema for every element) and `additionalProperties: false`, nested to any depth. Annotation
/// keywords ($schema, $id, $comment, title, description, examples, default) are allowed and ignored;
/// any other keyword is a configuration error, so an unsupported rule never passes silently.
public struct JSONSchemaSubset: Sendable, Hashable {
    /// Allowed types, or nil for any.
    public var types: [String]?
    /// Property names an object must have.
    public var required: [String]
    /// Schemas for named properties.
    public var properties: [String: JSONSchemaSubset]
    /// Allowed values, or nil for any.
    public var enumValues: [JSONValue]?
    /// Schema for every array element (zero or one entry).
    public var items: [JSONSchemaSubset]
    /// Whether objects may have properties not listed in `properties` (default true).
    public var additionalProperties: Bool

    static let typeNames: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]
    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "examples", "default"]
    static let keywords: Set<String> = ["type", "required", "properties", "enum", "items", "additionalProperties"]

    /// Parses a schema; `path` names the option in error messages (e.g. `schema.properties.answer`).
    public init(_ value: JSONValue, path: String = "schema") throws {
        guard case .object(let o) = value else {
            throw MetricConfigError(field: path, message: "metric 'json': \(path) must be a JSON object (a schema)")
        }
        for key in o.keys where !JSONSchemaSubset.keywords.contains(key) && !JSONSchemaSubset.annotations.contains(key) {
            throw MetricConfigError(field: "\(path).\(key)",
                                    message: "metric 'json': unsupported schema keyword '\(key)' at \(path); supported: "
                                        + JSONSchemaSubset.keywords.sorted().joined(separator: ", "))
        }
        func bad(_ key: String, _ what: String) -> MetricConfigError {
            MetricConfigError(field: "\(path).\(key)", message: "metric 'json': \(path).\(key) must be \(what)")
        }
        switch o["type"] {
        case nil: types = nil
        case .string(let t)?: types = [t]
        case .array(let a)?: types = try a.map { guard case .string(let t) = $0 else { throw bad("type", "a type name or a list of them") }; return t }
        default: throw bad("type", "a type name or a list of them")
        }
        for t in types ?? [] where !JSONSchemaSubset.typeNames.contains(t) {
            throw bad("type", "one of \(JSONSchemaSubset.typeNames.sorted().joined(separator: ", ")), not '\(t)'")
        }
        switch o["required"] {
        case nil: required = []
        case .array(let a)?: required = try a.map { guard case .string(let s) = $0 else { throw bad("required", "a list of property names") }; return s }
        default: throw bad("required", "a list of property names")
        }
        switch o["properties"] {
        case nil: properties = [:]
        case .object(let p)?:
            var parsed: [String: JSONSchemaSubset] = [:]
            for (k, v) in p { parsed[k] = try JSONSchemaSubset(v, path: "\(path).properties.\(k)") }
            properties = parsed
        default: throw bad("properties", "an object of schemas")
        }
        switch o["enum"] {
        case nil: enumValues = nil
        case .array(let a)?: enumValues = a
        default: throw bad("enum", "a list of values")
        }
        switch o["items"] {
        case nil: items = []
        case let v?: items = [try JSONSchemaSubset(v, path: "\(path).items")]
        }
        switch o["additionalProperties"] {
        case nil: additionalProperties = true
        case .bool(let b)?: additionalProperties = b
        default: throw bad("additionalProperties", "true or false")
        }
    }

    /// Checks `value`; returns one message per failure (at most `limit`), each starting with a JSON path.
    public func validate(_ value: JSONValue, limit: Int = 20) -> [String] {
        var errors: [String] = []
        check(value, path: "$", errors: &errors, limit: limit)
        return errors
    }

    /// The schema type name of a value (`integer` for whole numbers).
    static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let d): return d == d.rounded() && d.isFinite ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private func check(_ value: JSONValue, path: String, errors: inout [String], limit: Int) {
        guard errors.count < limit else { return }
        if let types {
            let actual = JSONSchemaSubset.typeName(value)
            let ok = types.contains(actual) || (actual == "integer" && types.contains("number"))
            if !ok {
                errors.append("\(path): expected \(types.joined(separator: " or ")), got \(actual)")
                return
            }
        }
        if let enumValues, !enumValues.contains(value) {
            errors.append("\(path): \(value.canonicalJSON) is not one of \(JSONValue.array(enumValues).canonicalJSON)")
        }
        switch value {
        case .object(let o):
            for key in required where o[key] == nil {
                errors.append("\(path): missing required property '\(key)'")
            }
            for key in o.keys.sorted() {
                if let sub = properties[key] {
                    sub.check(o[key]!, path: "\(path).\(key)", errors: &errors, limit: limit)
                } else if !additionalProperties {
                    errors.append("\(path): unexpected property '\(key)'")
                }
            }
        case .array(let a):
            if let sub = items.first {
                for (i, element) in a.enumerated() { sub.check(element, path: "\(path)[\(i)]", errors: &errors, limit: limit) }
            }
        default:
            break
        }
        if errors.count > limit { errors.removeLast(errors.count - limit) }
    }
}
