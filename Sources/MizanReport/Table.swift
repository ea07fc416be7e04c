import Foundation

/// Output formats for tables.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Aligned columns for a terminal.
    case table
    /// GitHub-flavoured Markdown.
    case md
    /// RFC 4180 CSV (UTF-8).
    case csv
    /// JSON array of row objects.
    case json
}

/// A simple table of strings rendered in several formats.
public struct Table: Sendable {
    /// Column titles.
    public var header: [String]
    /// Rows of cells.
    public var rows: [[String]]

    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    /// The table in `format`.
    public func render(_ format: TableFormat) -> String {
        switch format {
        case .table: return terminal()
        case .md: return markdown()
        case .csv: return ([header] + rows).map { $0.map(Table.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        case .json:
            let objects = rows.map { row in Dictionary(uniqueKeysWithValues: zip(header, row)) }
            let data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    func markdown() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var lines = ["| " + header.map(esc).joined(separator: " | ") + " |",
                     "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(esc).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    func terminal() -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        func line(_ row: [String]) -> String {
            row.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - DisplayWidth.of(c)))
                return DisplayWidth.isolated(c) + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(header), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}

/// Terminal display width by grapheme cluster: a cluster of only combining marks and format controls takes no
/// column (Arabic diacritics, isolates), one containing an East Asian wide character or emoji takes two, any other one.
public enum DisplayWidth {
    /// Columns `s` occupies on a terminal.
    public static func of(_ s: String) -> Int {
        var w = 0
        for ch in s {
            var visible = false, wide = false
            for u in ch.unicodeScalars {
                switch u.properties.generalCategory {
                case .nonspacingMark, .enclosingMark, .format, .control: continue
                default: break
                }
                let v = u.value
                if (0x1F3FB...0x1F3FF).contains(v) { continue }   // skin-tone modifiers join the emoji before them
                visible = true
                if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                    || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                    || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v) {
                    wide = true
                }
            }
            w += wide ? 2 : visible ? 1 : 0
        }
        return w
    }

    /// Wraps right-to-left text in first-strong isolates so a table row keeps its column order.
    public static func isolated(_ s: String) -> String {
        s.unicodeScalars.contains { (0x0590...0x08FF).contains($0.value) || (0xFB1D...0xFEFC).contains($0.value) }
            ? "\u{2068}" + s + "\u{2069}" : s
    }
}
