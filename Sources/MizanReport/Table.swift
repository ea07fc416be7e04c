import Foundation
import MizanCore

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

/// How a column of a terminal table may be narrowed to fit the width budget.
public enum ColumnFit: Sendable, Hashable {
    /// Never shortened (numbers, intervals): only its header may be cut, down to the widest cell.
    case fixed
    /// Labels, URLs, names, run ids: may be shortened down to `min` columns, keeping the start and the end
    /// of a cell with `…` between them.
    case elastic(min: Int)
    /// Free text of least importance (notes, status remarks): shortened before any other column, down to `min`
    /// columns, keeping its start (`written by the…`).
    case secondary(min: Int)
    /// Sentences and figures that must stay whole (the values of an overview): narrowed like `elastic`, but a
    /// cell is wrapped onto further lines at spaces instead of shortened (only a single word wider than the
    /// column, such as a long URL, is shortened).
    case wrap(min: Int)
}

/// How the `table` format is drawn: the width budget and whether right-to-left cells are isolated.
public struct TableStyle: Sendable, Hashable {
    /// Widest line, in terminal columns; nil never shortens anything (`--wide`).
    public var maxWidth: Int?
    /// Wrap right-to-left cells in U+2068/U+2069 (first-strong isolates) so a terminal keeps the column
    /// order; only when writing to a terminal — in a pipe or a log they show up as stray characters.
    public var isolates: Bool

    /// A style.
    public init(maxWidth: Int? = TableStyle.defaultWidth, isolates: Bool = false) {
        self.maxWidth = maxWidth
        self.isolates = isolates
    }

    /// The default width budget of terminal tables.
    public static let defaultWidth = 120

    private static let shared = StyleBox()

    /// The style `render(.table)` uses when none is given: 120 columns, no isolates, until the command line
    /// sets it (isolates when standard output is a terminal; no width limit with `--wide`).
    public static var current: TableStyle {
        get { shared.get() }
        set { shared.set(newValue) }
    }
}

/// The process-wide `TableStyle.current`, behind a lock.
private final class StyleBox: Sendable {
    private let value = Locked(TableStyle())
    func get() -> TableStyle { value.current }
    func set(_ v: TableStyle) { value.withLock { $0 = v } }
}

/// A simple table of strings rendered in several formats.
public struct Table: Sendable {
    /// Column titles.
    public var header: [String]
    /// Rows of cells.
    public var rows: [[String]]
    /// How each column may be narrowed on a terminal (missing entries are `.fixed`).
    public var fit: [ColumnFit] = []
    /// Leading columns repeated in each block when a terminal table too wide even after narrowing is split
    /// into blocks of columns (0: never split).
    public var keyColumns = 0

    /// A table; `fit` and `keyColumns` shape only the terminal rendering.
    public init(header: [String], rows: [[String]] = [], fit: [ColumnFit] = [], keyColumns: Int = 0) {
        self.header = header
        self.rows = rows
        self.fit = fit
        self.keyColumns = keyColumns
    }

    /// The table in `format`; `style` (default `TableStyle.current`) shapes the `table` format only:
    /// Markdown, CSV and JSON never shorten a cell or add a control character.
    public func render(_ format: TableFormat, style: TableStyle? = nil) -> String {
        switch format {
        case .table: return terminal(style ?? TableStyle.current)
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

    /// Aligned columns. Within `style.maxWidth`, secondary columns give way first, then the widest column that
    /// can give is narrowed, one column at a time: elastic columns down to their minimum, other columns only where
    /// their header is wider than their cells; a table still too wide is split into blocks of columns, each
    /// repeating the `keyColumns`.
    func terminal(_ style: TableStyle) -> String {
        let n = header.count
        var widths = [Int](repeating: 0, count: n)
        var cellWidths = [Int](repeating: 0, count: n)
        for row in rows { for (i, c) in row.enumerated() where i < n { cellWidths[i] = max(cellWidths[i], DisplayWidth.of(c)) } }
        for i in 0..<n { widths[i] = max(cellWidths[i], DisplayWidth.of(header[i])) }
        guard let limit = style.maxWidth else { return draw(Array(0..<n), widths: widths, style: style) }
        func total(_ columns: [Int]) -> Int { columns.reduce(0) { $0 + widths[$1] } + 2 * max(0, columns.count - 1) }
        let all = Array(0..<n)
        func floor(_ i: Int) -> Int {
            if i < fit.count, case .elastic(let m) = fit[i] { return min(widths[i], max(1, m)) }
            if i < fit.count, case .secondary(let m) = fit[i] { return min(widths[i], max(1, m)) }
            if i < fit.count, case .wrap(let m) = fit[i] { return min(widths[i], max(1, m)) }
            return max(cellWidths[i], min(DisplayWidth.of(header[i]), 3))
        }
        let secondary = all.filter { i in if i < fit.count, case .secondary = fit[i] { return true } else { return false } }
        for pool in [secondary, all] {
            while total(all) > limit, let i = pool.filter({ widths[$0] > floor($0) }).max(by: { widths[$0] < widths[$1] }) {
                widths[i] -= 1
            }
        }
        let keys = Array(0..<min(keyColumns, n))
        guard total(all) > limit, !keys.isEmpty, n > keys.count + 1 else { return draw(all, widths: widths, style: style) }
        var blocks: [[Int]] = [], current = keys
        for i in keys.count..<n {
            if current.count > keys.count && total(current + [i]) > limit { blocks.append(current); current = keys }
            current.append(i)
        }
        blocks.append(current)
        return blocks.map { draw($0, widths: widths, style: style) }.joined(separator: "\n")
    }

    /// The rows restricted to `columns`, each cell shortened to its column's width (or, in a `wrap` column,
    /// wrapped onto as many lines as it needs).
    private func draw(_ columns: [Int], widths: [Int], style: TableStyle) -> String {
        func lines(_ row: [String]) -> [String] {
            let cells: [[String]] = columns.map { i in
                let text = i < row.count ? row[i] : ""
                switch i < fit.count ? fit[i] : .fixed {
                case .wrap: return Table.wrapped(text, width: widths[i])
                case .secondary: return [DisplayWidth.shortened(text, to: widths[i], keepEnd: false)]
                default: return [DisplayWidth.shortened(text, to: widths[i])]
                }
            }
            return (0..<(cells.map(\.count).max() ?? 1)).map { k in
                zip(columns, cells).map { i, parts in
                    let c = k < parts.count ? parts[k] : ""
                    let pad = String(repeating: " ", count: max(0, widths[i] - DisplayWidth.of(c)))
                    return (style.isolates ? DisplayWidth.isolated(c) : c) + pad
                }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
            }
        }
        var out = [columns.map { DisplayWidth.shortened(header[$0], to: widths[$0]) }.enumerated().map { k, h in
            (style.isolates ? DisplayWidth.isolated(h) : h) + String(repeating: " ", count: max(0, widths[columns[k]] - DisplayWidth.of(h)))
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)]
        out.append(columns.map { String(repeating: "─", count: widths[$0]) }.joined(separator: "  "))
        out += rows.flatMap(lines)
        return out.joined(separator: "\n") + "\n"
    }

    /// `text` broken at spaces into lines of at most `width` columns; a word wider than that is shortened.
    static func wrapped(_ text: String, width: Int) -> [String] {
        guard DisplayWidth.of(text) > width else { return [text] }
        var out: [String] = [], line = ""
        for word in text.split(separator: " ").map({ DisplayWidth.shortened(String($0), to: width) }) {
            if line.isEmpty { line = word } else if DisplayWidth.of(line) + 1 + DisplayWidth.of(word) <= width { line += " " + word } else {
                out.append(line)
                line = word
            }
        }
        return out + [line]
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

    /// `s` in at most `width` columns: unchanged when it fits, else its start and end with `…` between
    /// (so two long labels differing only at the end stay distinguishable), or its start and `…` without `keepEnd`.
    public static func shortened(_ s: String, to width: Int, keepEnd: Bool = true) -> String {
        guard of(s) > width else { return s }
        guard width > 1 else { return width == 1 ? "…" : "" }
        let chars = Array(s)
        var head = "", tail = "", used = 1
        var i = 0, j = chars.count - 1
        let headBudget = keepEnd ? (width - 1) / 2 : width - 1
        while i <= j {
            let w = of(String(chars[i]))
            if used + w > width || of(head) + w > headBudget { break }
            head.append(chars[i]); used += w; i += 1
        }
        while j >= i {
            let w = of(String(chars[j]))
            if used + w > width { break }
            tail.insert(chars[j], at: tail.startIndex); used += w; j -= 1
        }
        return head + "…" + tail
    }

    /// Wraps right-to-left text in first-strong isolates so a table row keeps its column order.
    public static func isolated(_ s: String) -> String {
        s.unicodeScalars.contains { (0x0590...0x08FF).contains($0.value) || (0xFB1D...0xFEFC).contains($0.value) }
            ? "\u{2068}" + s + "\u{2069}" : s
    }
}
