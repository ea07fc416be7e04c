import Foundation

/// Inline SVG charts for the HTML report (no scripts, no external resources; every label goes through `HTMLExport.escape`).
public enum SVGCharts {
    /// Column colours (colour-blind-safe Okabe–Ito order).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

    /// The colour of column `i`.
    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// Grouped bars: one group per language of `rows` (one suite, one metric), one bar per column, CI whiskers.
    public static func scoresByLanguage(_ rows: [ComparisonRow], columns: [String], title: String) -> String {
        let groups = rows.count, bars = max(columns.count, 1)
        let top = niceTop(rows.flatMap { $0.cells.compactMap { $0.map { $0.high ?? $0.mean } } }.max() ?? 1)
        let left = 48.0, plotH = 200.0, topPad = 30.0, barW = 18.0, gap = 26.0
        let groupW = Double(bars) * barW + gap
        let width = max(320, left + Double(groups) * groupW + 20), legendY = topPad + plotH + 44
        let height = legendY + Double(columns.count) * 18 + 10
        var s = "<svg role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        s += "<title>\(HTMLExport.escape(title))</title>"
        s += "<text x=\"\(left)\" y=\"18\" class=\"t\">\(HTMLExport.escape(title))</text>"
        func y(_ v: Double) -> Double { topPad + plotH - max(0, min(v, top)) / top * plotH }
        for k in 0...4 {
            let v = top * Double(k) / 4
            s += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\(q(y(v))) y2=\(q(y(v))) stroke=\"#ddd\"/>"
            s += "<text x=\"\(left - 6)\" y=\(q(y(v) + 4)) text-anchor=\"end\">\(HTMLExport.escape(SummaryTables.format(v)))</text>"
        }
        for (g, row) in rows.enumerated() {
            let x0 = left + Double(g) * groupW + gap / 2
            for (i, cell) in row.cells.enumerated() {
                guard let cell else { continue }
                let x = x0 + Double(i) * barW
                s += "<rect x=\(q(x)) y=\(q(y(cell.mean))) width=\(q(barW - 2)) height=\(q(y(0) - y(cell.mean))) fill=\"\(color(i))\">"
                s += "<title>\(HTMLExport.escape("\(columns[i]) · \(row.language): \(ComparisonTables.meanCell(cell, metric: row.metric))"))</title></rect>"
                let cx = x + (barW - 2) / 2
                if let lo = cell.low, let hi = cell.high {
                    s += "<line x1=\(q(cx)) x2=\(q(cx)) y1=\(q(y(lo))) y2=\(q(y(hi))) stroke=\"#333\"/>"
                }
            }
            s += "<text x=\(q(x0 + Double(bars) * barW / 2)) y=\(q(topPad + plotH + 16)) text-anchor=\"middle\"><tspan>\(HTMLExport.escape(row.language))</tspan></text>"
        }
        s += legend(columns, y: legendY, x: left)
        return s + "</svg>"
    }

    /// Scatter of each column's median latency (x) against its mean score on one slice (y).
    public static func latencyVsQuality(points: [(label: String, latency: Double, score: Double)], title: String) -> String {
        let left = 56.0, topPad = 30.0, plotW = 420.0, plotH = 220.0
        let maxX = niceTop(max(points.map(\.latency).max() ?? 1, 1e-3) * 1.05, floorAtOne: false)
        let maxY = niceTop(points.map(\.score).max() ?? 1)
        let legendY = topPad + plotH + 46
        let width = left + plotW + 20, height = legendY + Double(points.count) * 18 + 10
        func x(_ v: Double) -> Double { left + v / maxX * plotW }
        func y(_ v: Double) -> Double { topPad + plotH - max(0, min(v, maxY)) / maxY * plotH }
        var s = "<svg role=\"img\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        s += "<title>\(HTMLExport.escape(title))</title><text x=\"\(left)\" y=\"18\" class=\"t\">\(HTMLExport.escape(title))</text>"
        s += "<line x1=\(q(left)) x2=\(q(left + plotW)) y1=\(q(y(0))) y2=\(q(y(0))) stroke=\"#333\"/>"
        s += "<line x1=\(q(left)) x2=\(q(left)) y1=\(q(topPad)) y2=\(q(y(0))) stroke=\"#333\"/>"
        for k in 0...4 {
            let vy = maxY * Double(k) / 4, vx = maxX * Double(k) / 4
            s += "<text x=\(q(left - 6)) y=\(q(y(vy) + 4)) text-anchor=\"end\">\(HTMLExport.escape(SummaryTables.format(vy)))</text>"
            s += "<text x=\(q(x(vx))) y=\(q(y(0) + 16)) text-anchor=\"middle\">\(Int((vx * 1000).rounded()))</text>"
        }
        s += "<text x=\(q(left + plotW / 2)) y=\(q(y(0) + 32)) text-anchor=\"middle\">latency p50 (ms)</text>"
        for (i, p) in points.enumerated() {
            s += "<circle cx=\(q(x(p.latency))) cy=\(q(y(p.score))) r=\"6\" fill=\"\(color(i))\"><title>"
            s += HTMLExport.escape("\(p.label): \(SummaryTables.format(p.score)) at \(Int((p.latency * 1000).rounded())) ms") + "</title></circle>"
        }
        s += legend(points.map(\.label), y: legendY, x: left)
        return s + "</svg>"
    }

    /// A round axis maximum at or above `x` whose quarters are round too (1 for scores up to 1 unless `floorAtOne` is false).
    static func niceTop(_ x: Double, floorAtOne: Bool = true) -> Double {
        if floorAtOne && x <= 1 { return 1 }
        guard x > 0 else { return 1 }
        let quarter = x / 4, magnitude = pow(10, floor(log10(quarter)))
        let step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map { $0 * magnitude }.first { $0 >= quarter - 1e-12 } ?? 10 * magnitude
        return step * 4
    }

    /// Colour keys, one per line.
    static func legend(_ labels: [String], y: Double, x: Double) -> String {
        labels.enumerated().map { i, label in
            let ly = y + Double(i) * 18
            return "<rect x=\(q(x)) y=\(q(ly - 10)) width=\"12\" height=\"12\" fill=\"\(color(i))\"/>"
                + "<text x=\(q(x + 18)) y=\(q(ly))>\(HTMLExport.escape(label))</text>"
        }.joined()
    }

    /// A quoted attribute number with one decimal.
    static func q(_ v: Double) -> String { "\"" + String(format: "%.1f", v) + "\"" }
}
