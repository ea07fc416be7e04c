/// A part of the run manifest stored as a JSON object (see `RunManifest`). It reads every member it knows
/// into a typed property and keeps everything else in `extra`, so a part written by another mizan version
/// converts back to exactly the JSON it came from.
public protocol ManifestObject: Sendable, Hashable, Codable {
    /// Reads the part from `json`. Nothing fails: a member that is missing, null or of an unexpected type reads
    /// as nil (a null or mistyped one is kept in `extra`); a JSON value that is not an object reads as empty.
    init(json: JSONValue)
    /// The part as JSON: the typed members over `extra` (see `ManifestObjectWriter.put`).
    var json: JSONValue { get }
}

extension ManifestObject {
    /// Decodes the JSON value and reads it with `init(json:)`.
    public init(from decoder: any Decoder) throws { self.init(json: try JSONValue(from: decoder)) }

    /// Encodes `json`.
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

/// Takes typed members out of a JSON object for `ManifestObject.init(json:)`; what is not taken stays in `rest`.
struct ManifestObjectReader {
    /// Members not taken yet: unknown keys, and known keys whose value is null or of an unexpected type.
    private(set) var rest: [String: JSONValue]
    /// Known keys missing from the object (a nil member is then not written back as null).
    private(set) var absent: Set<String> = []

    init(_ json: JSONValue) {
        if case .object(let o) = json { rest = o } else { rest = [:] }
    }

    /// The value of `key` converted by `convert`; nil (and the value left in `rest`) when it is missing, null or
    /// not convertible.
    mutating func take<T>(_ key: String, _ convert: (JSONValue) -> T?) -> T? {
        guard let value = rest[key] else {
            absent.insert(key)
            return nil
        }
        guard value != .null, let converted = convert(value) else { return nil }
        rest[key] = nil
        return converted
    }

    mutating func string(_ key: String) -> String? { take(key, Self.string) }
    mutating func int(_ key: String) -> Int? { take(key, Self.int) }
    mutating func double(_ key: String) -> Double? { take(key, Self.double) }
    mutating func bool(_ key: String) -> Bool? { take(key, Self.bool) }
    /// Any JSON value but null, as it is.
    mutating func value(_ key: String) -> JSONValue? { take(key) { $0 } }
    mutating func object(_ key: String) -> [String: JSONValue]? { take(key, Self.object) }
    mutating func part<T: ManifestObject>(_ key: String, _: T.Type = T.self) -> T? { take(key, Self.part) }
    /// An array whose every element converts; otherwise nil (the array stays in `rest`).
    mutating func array<T>(_ key: String, _ convert: (JSONValue) -> T?) -> [T]? { take(key) { Self.array($0, convert) } }

    static func string(_ v: JSONValue) -> String? { if case .string(let s) = v { s } else { nil } }
    static func double(_ v: JSONValue) -> Double? { if case .number(let d) = v { d } else { nil } }
    static func bool(_ v: JSONValue) -> Bool? { if case .bool(let b) = v { b } else { nil } }
    static func object(_ v: JSONValue) -> [String: JSONValue]? { if case .object(let o) = v { o } else { nil } }
    /// A whole number exactly representable as a JSON number (|n| < 2^53); 2.5 is not an Int.
    static func int(_ v: JSONValue) -> Int? {
        guard case .number(let d) = v, d == d.rounded(), abs(d) < 9_007_199_254_740_992 else { return nil }
        return Int(d)
    }
    static func part<T: ManifestObject>(_ v: JSONValue) -> T? { if case .object = v { T(json: v) } else { nil } }
    static func array<T>(_ v: JSONValue, _ convert: (JSONValue) -> T?) -> [T]? {
        guard case .array(let a) = v else { return nil }
        var out: [T] = []
        out.reserveCapacity(a.count)
        for element in a {
            guard let t = convert(element) else { return nil }
            out.append(t)
        }
        return out
    }
    /// An object whose every value converts.
    static func map<T>(_ v: JSONValue, _ convert: (JSONValue) -> T?) -> [String: T]? {
        guard case .object(let o) = v else { return nil }
        var out: [String: T] = [:]
        for (k, element) in o {
            guard let t = convert(element) else { return nil }
            out[k] = t
        }
        return out
    }
}

/// Writes a `ManifestObject` back to JSON, starting from its `extra`.
struct ManifestObjectWriter {
    private var o: [String: JSONValue]
    private let absent: Set<String>

    init(extra: [String: JSONValue], absent: Set<String>) {
        o = extra
        self.absent = absent
    }

    /// Writes `key`: the value when there is one; else what `extra` keeps for it (a null or mistyped value read
    /// earlier); else null when the member is `nullable` (today's writer records it as null) unless the JSON the
    /// part was read from did not have the key (an older manifest stays as it was).
    mutating func put(_ key: String, _ value: JSONValue?, nullable: Bool = false) {
        if let value {
            o[key] = value
        } else if o[key] == nil, nullable, !absent.contains(key) {
            o[key] = .null
        }
    }

    var json: JSONValue { .object(o) }
}

extension JSONValue {
    /// A JSON number from an integer.
    static func int(_ n: Int) -> JSONValue { .number(Double(n)) }
}
