import Foundation
import MizanCore

/// An RFC 4180 CSV reader: quoted fields may hold the delimiter, doubled quotes and line breaks; CRLF or LF records.
public enum CSVParser {
    /// One record: the line it starts on and its fields.
    public struct Record: Sendable, Hashable {
        /// 1-based line where the record starts.
        public var line: Int
        /// The fields, unquoted.
        public var fields: [String]
    }

    /// Parses UTF-8 bytes into records (the first is the header), skipping blank lines; errors name file and line.
    public static func parse(_ bytes: [UInt8], file: String, delimiter: UInt8 = UInt8(ascii: ",")) throws -> [Record] {
        _ = try SuiteImporter.lines(bytes, file: file) // reports the first line with bad UTF-8
        let quote = UInt8(ascii: "\"")
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false, inQuotes = false
        var line = 1, recordLine = 1, quoteLine = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll()
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                    inQuotes = false
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case quote:
                guard field.isEmpty && !quoted else {
                    throw InputError(file: file, line: line, problem: "a quote inside an unquoted field, or text after a closing quote",
                                     remedy: "quote the whole field and double the quotes inside it (\"say \"\"hi\"\"\")")
                }
                inQuotes = true
                quoted = true
                quoteLine = line
            case delimiter:
                endField()
            case 0x0D where i + 1 < bytes.count && bytes[i + 1] == 0x0A:
                i += 1
                fallthrough
            case 0x0A:
                endRecord()
                line += 1
                recordLine = line
            default:
                if quoted {
                    throw InputError(file: file, line: line, problem: "text after a closing quote",
                                     remedy: "quote the whole field and double the quotes inside it")
                }
                field.append(b)
            }
            i += 1
        }
        if inQuotes {
            throw InputError(file: file, line: quoteLine, problem: "a quoted field is never closed",
                             remedy: "close the quote, and double any quote inside the field")
        }
        if !field.isEmpty || quoted || !fields.isEmpty { endRecord() }
        return records
    }
}
