import Foundation
import MizanCore
import Yams

/// A YAML node with its source location, for error messages that name file, line and field.
public struct YAMLValue {
    /// The underlying Yams node.
    public let node: Node
    /// File the node came from.
    public let file: String
    /// Dotted path of the node, e.g. `endpoints.local.timeouts`.
    public let path: String

    /// 1-based line of the node.
    public var line: Int { node.mark?.line ?? 0 }

    /// Parses `text` (already read from `file`) into its root node.
    public static func parse(_ text: String, file: String) throws -> YAMLValue {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(file: file, line: 1, problem: "the file is empty", remedy: "add the required keys")
            }
            return YAMLValue(node: node, file: file, path: "")
        } catch let e as YamlError {
            throw InputError(file: file, line: YAMLValue.line(of: e), problem: "not valid YAML: \(YAMLValue.brief(e))",
                             remedy: "fix the YAML syntax at that line")
        }
    }

    /// Reads and parses a YAML file, rejecting bad UTF-8 with the offending line.
    public static func load(path: String) throws -> YAMLValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, problem: "cannot read the file", remedy: "check that the path exists and is readable")
        }
        let text = try TextFile.decodeUTF8(data, file: path)
        return try parse(text, file: path)
    }

    private static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func brief(_ e: YamlError) -> String {
        String(describing: e).split(separator: "\n").first.map(String.init) ?? "syntax error"
    }

    private func child(_ node: Node, _ key: String) -> YAMLValue {
        YAMLValue(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// An error located at this node.
    public func error(_ problem: String, remedy: String) -> InputError {
        InputError(file: file, line: line, field: path.isEmpty ? nil : path, problem: problem, remedy: remedy)
    }

    /// The mapping's entries in file order, or an error if this is not a mapping.
    public func mapping() throws -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping (key: value lines)", remedy: "write this as a YAML mapping") }
        return m.map { (key: $0.key.string ?? "\($0.key)", value: child($0.value, $0.key.string ?? "?")) }
    }

    /// The value for `key` in a mapping, or nil.
    public subscript(key: String) -> YAMLValue? {
        guard case .mapping(let m) = node, let v = m[key] else { return nil }
        return child(v, key)
    }

    /// Keys present in the mapping that are not in `allowed`.
    public func unknownKeys(allowed: Set<String>) -> [YAMLValue] {
        guard case .mapping(let m) = node else { return [] }
        return m.compactMap { pair in
            guard let k = pair.key.string, !allowed.contains(k) else { return nil }
            return YAMLValue(node: pair.key, file: file, path: path.isEmpty ? k : "\(path).\(k)")
        }
    }

    /// The node as a string scalar.
    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("expected a text value", remedy: "write a plain string here") }
        return s.string
    }

    /// The node as an integer.
    public func int() throws -> Int {
        guard let i = node.int else { throw error("expected a whole number, found '\(node.string ?? "a structure")'", remedy: "write an integer") }
        return i
    }

    /// The node as a number.
    public func double() throws -> Double {
        guard let d = node.float ?? node.int.map(Double.init) else {
            throw error("expected a number, found '\(node.string ?? "a structure")'", remedy: "write a number")
        }
        return d
    }

    /// The node as a boolean.
    public func bool() throws -> Bool {
        guard let b = node.bool else { throw error("expected true or false", remedy: "write true or false") }
        return b
    }

    /// The node as a list of values (a scalar counts as a one-element list).
    public func sequence() throws -> [YAMLValue] {
        switch node {
        case .sequence(let s): return s.enumerated().map { child($0.element, "[\($0.offset)]") }
        case .scalar: return [self]
        default: throw error("expected a list", remedy: "write a YAML list")
        }
    }

    /// The node converted to a JSON value (scalars typed by YAML's core schema).
    public func json() -> JSONValue {
        switch node {
        case .scalar(let s):
            if s.style == .plain {
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                if let d = node.float { return .number(d) }
                if node.null != nil { return .null }
            }
            return .string(s.string)
        case .sequence(let seq): return .array(seq.map { YAMLValue(node: $0, file: file, path: path).json() })
        case .mapping(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m { o[k.string ?? "\(k)"] = YAMLValue(node: v, file: file, path: path).json() }
            return .object(o)
        case .alias: return .null
        }
    }
}

/// Strict text-file decoding shared by suite and config loading.
public enum TextFile {
    /// Decodes UTF-8, or throws an `InputError` naming the first bad line.
    public static func decodeUTF8(_ data: Data, file: String) throws -> String {
        if let s = String(validating: data, as: UTF8.self) { return s }
        var line = 1
        let bytes = [UInt8](data)
        var it = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): if s == "\n" { line += 1 }
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        throw InputError(file: file, line: line, problem: "the file is not valid UTF-8",
                         remedy: "re-save the file as UTF-8 (e.g. `iconv -t UTF-8`)")
    }
}
