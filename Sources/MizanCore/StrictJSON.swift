
/// A strict RFC 8259 JSON parser. Foundation's parsers on Linux accept trailing commas, which a
/// program reading the model's JSON may not; this one rejects them, comments, single quotes,
/// unquoted keys, NaN, leading zeros and raw control characters in strings. Duplicate keys are
/// allowed (the last one wins). Nesting is limited to 512 levels.
public enum StrictJSON {
    /// Why text is not JSON, with the byte offset where parsing stopped (for an unterminated string: where it opens).
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// What was wrong.
        public var message: String
        /// UTF-8 byte offset of the problem.
        public var offset: Int
        /// `message at byte N`.
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Parses one JSON value that spans the whole text (surrounding JSON whitespace allowed).
    public static func parse(_ text: String) throws -> JSONValue { try parse(bytes: Array(text.utf8)) }

    /// Parses UTF-8 bytes holding one JSON value (invalid UTF-8 inside strings is replaced by U+FFFD).
    public static func parse(bytes: [UInt8]) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == parser.bytes.count else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ message: String) -> ParseError { ParseError(message: message, offset: i) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws -> JSONValue {
            for b in literal.utf8 {
                guard i < bytes.count, bytes[i] == b else { throw fail("invalid literal") }
                i += 1
            }
            return value
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < 512 else { throw fail("nesting deeper than 512") }
            guard i < bytes.count else { throw fail("unexpected end of text") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character")
            }
        }

        mutating func object(depth: Int) throws -> JSONValue {
            i += 1
            var result: [String: JSONValue] = [:]
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(result) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let key = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
                result[key] = try value(depth: depth + 1)
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated object") }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(result) }
                guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected ',' or '}'") }
                i += 1
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            i += 1
            var result: [JSONValue] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(result) }
            while true {
                skipSpace()
                result.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw fail("unterminated array") }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(result) }
                guard bytes[i] == UInt8(ascii: ",") else { throw fail("expected ',' or ']'") }
                i += 1
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: throw fail("bad \\u escape")
                }
                v = v << 4 | UInt32(digit)
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            i += 1
            let start = i
            // Fast path: no escapes, decode the bytes in one go.
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    i += 1
                    return String(decoding: bytes[start..<(i - 1)], as: UTF8.self)
                }
                if b < 0x20 { throw fail("raw control character in string") }
                if b == UInt8(ascii: "\\") { break }
                i += 1
            }
            guard i < bytes.count else { throw ParseError(message: "unterminated string", offset: start - 1) }
            var out = Array(bytes[start..<i])
            func append(_ s: Unicode.Scalar) { out.append(contentsOf: UTF8.encode(s)!) }
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if b < 0x20 { throw fail("raw control character in string") }
                guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var v = try hex4()
                    if (0xD800...0xDBFF).contains(v), i + 6 <= bytes.count,
                       bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let s = Unicode.Scalar(v) else { throw fail("unpaired surrogate") }
                    append(s)
                default:
                    throw fail("bad escape")
                }
            }
            throw ParseError(message: "unterminated string", offset: start - 1)   // where the string opens
        }

        mutating func number() throws -> JSONValue {
            let start = i
            func digits() -> Int {
                let s = i
                while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
                return i - s
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count else { throw fail("bad number") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                throw fail("bad number")
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail("bad number: digits expected after '.'") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail("bad number: exponent digits expected") }
            }
            guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("bad number") }
            return .number(d)
        }
    }
}
