import Foundation

/// A JSON value: item fields, metric details and manifests that have no fixed shape.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value as a Foundation object for `JSONSerialization`.
    public var foundationValue: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(\.foundationValue)
        case .object(let o): return o.mapValues(\.foundationValue)
        }
    }

    /// The string payload, or a number/bool rendered as text; nil for other kinds.
    public var stringValue: String? {
        switch self {
        case .string(let s): return s
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): return String(b)
        default: return nil
        }
    }

    /// The numeric payload, if this is a number.
    public var doubleValue: Double? { if case .number(let d) = self { return d } else { return nil } }

    /// Member lookup for objects.
    public subscript(key: String) -> JSONValue? { if case .object(let o) = self { return o[key] } else { return nil } }

    /// Compact JSON text with sorted keys (stable for hashing).
    public var canonicalJSON: String {
        let data = try? JSONSerialization.data(withJSONObject: foundationValue,
                                               options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }

    /// Indented JSON text with sorted keys, for humans and `--json` output.
    public var prettyJSON: String {
        let data = try? JSONSerialization.data(withJSONObject: foundationValue,
                                               options: [.sortedKeys, .prettyPrinted, .fragmentsAllowed, .withoutEscapingSlashes])
        return data.flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }
}
