import Foundation
import Testing
import MizanCore
import MizanReport
import MizanStore

/// The comparison renderers: CSV quoting, LaTeX escaping and script wrapping, HTML escaping and direction, terminal widths.
@Suite(.timeLimit(.minutes(5))) struct ExportTests {
    /// Two runs of one suite with the given column names; B answers `answer` on every item and is wrong on Arabic-script ones.
    static func comparison(nameA: String = "base", nameB: String = "tuned", answer: String = "x") throws -> (Comparison, [LoadedRun]) {
        func run(_ id: String, _ name: String) -> RunRecord {
            RunRecord(id: id, suiteID: "s", suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e", model: "m", status: .completed,
                      startedAt: "", itemCount: 20, manifest: .object([
                        "name": .string(name), "metrics": .array([.object(["name": .string("exact"), "version": .string("exact/1")])]),
                      ]))
        }
        func items(wrongArabic: Bool) -> [ItemRecord] {
            (0..<20).map { i in
                let lang = ["ary-Arab", "zgh-Tfng"][i % 2]
                return ItemRecord(itemID: "i\(i)", language: lang, requestHash: "", prompt: i % 2 == 0 ? "سؤال \(i)" : "ⴰⵙⵇⵙⵉ \(i)",
                                  response: ModelResponse(text: answer, httpStatus: 200, latency: 0.2),
                                  scores: [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: wrongArabic && i % 2 == 0 ? 0 : 1)],
                                  references: ["ref, \"quoted\" \(i)"])
            }
        }
        let runs = [LoadedRun(run: run("a", nameA), items: items(wrongArabic: false)), LoadedRun(run: run("b", nameB), items: items(wrongArabic: true))]
        return (try ComparisonBuilder.build(runs), runs)
    }

    @Test func csvQuotesCommasQuotesAndNewlinesPerRFC4180() throws {
        let (c, _) = try Self.comparison(nameA: "a, \"b\"\nc")
        let csv = ComparisonTables.csv(c)
        #expect(csv.contains(",\"a, \"\"b\"\"\nc\","))
        #expect(csv.hasSuffix("\r\n") && csv.hasPrefix("suite,suite_version,language,metric,model,runs,reference,mean"))
        // Every record has the header's field count once quoted fields are taken into account.
        var records: [[String]] = [], field = "", record: [String] = [], quoted = false
        var scalars = Array(csv.unicodeScalars)[...]
        while let u = scalars.popFirst() {
            if quoted {
                if u == "\"" { if scalars.first == "\"" { field.unicodeScalars.append(scalars.removeFirst()) } else { quoted = false } }
                else { field.unicodeScalars.append(u) }
            } else if u == "\"" { quoted = true }
            else if u == "," { record.append(field); field = "" }
            else if u == "\r" { continue }
            else if u == "\n" { record.append(field); records.append(record); record = []; field = "" }
            else { field.unicodeScalars.append(u) }
        }
        #expect(records.count == 1 + 3 * 2 && Set(records.map(\.count)) == [24])   // 24 columns with `direction`
        #expect(records[1][4] == "a, \"b\"\nc")
    }

    @Test func latexEscapesSpecialsAndWrapsArabicAndTifinagh() throws {
        #expect(LaTeXExport.text("50% of $x_1 & {y} #2 ~^\\") == "50\\% of \\$x\\_1 \\& \\{y\\} \\#2 \\textasciitilde{}\\textasciicircum{}\\textbackslash{}")
        #expect(LaTeXExport.text("نموذج كبير vs ⴰⵣⵓⵍ ⴼⵍⴰⵡⴻⵏ (Gemma)") == "\\textarabic{نموذج كبير} vs \\tifinagh{ⴰⵣⵓⵍ ⴼⵍⴰⵡⴻⵏ} (Gemma)")
        let (c, _) = try Self.comparison(nameA: "نموذج_1", nameB: "ⵜⴰⵎⴰⵣⵉⵖⵜ & co")
        let doc = LaTeXExport.document(c)
        #expect(doc.contains("\\usepackage{booktabs}") && doc.contains("\\newfontfamily\\tifinaghfont{Noto Sans Tifinagh}"))
        #expect(doc.contains("\\textarabic{نموذج}\\_1") && doc.contains("\\tifinagh{ⵜⴰⵎⴰⵣⵉⵖⵜ} \\& co"))
        #expect(doc.contains("\\toprule") && doc.contains("\\midrule") && doc.contains("\\bottomrule"))
        // Compiles when XeLaTeX is installed (it is not part of scripts/test: the install takes minutes).
        guard let xelatex = ["/usr/bin/xelatex", "/usr/local/bin/xelatex"].first(where: FileManager.default.isExecutableFile) else {
            print("ExportTests: xelatex not installed; skipping the compile check (apt-get install texlive-xetex texlive-lang-arabic fonts-noto-core)")
            return
        }
        let dir = TestEnv.tempDir()
        try doc.write(toFile: dir + "/cmp.tex", atomically: true, encoding: .utf8)
        let r = try TestEnv.run(xelatex, ["-interaction=nonstopmode", "-halt-on-error", "cmp.tex"], cwd: dir)
        #expect(r.status == 0, "xelatex: \(r.stdout.suffix(1500))")
        let log = (try? String(contentsOfFile: dir + "/cmp.log", encoding: .utf8)) ?? ""
        #expect(!log.contains("Missing character"), "a glyph is missing from the fonts: \(log.components(separatedBy: "\n").filter { $0.contains("Missing character") }.prefix(3))")
    }

    @Test func htmlEscapesModelOutputAndSetsDirection() throws {
        let (c, runs) = try Self.comparison(nameB: "<b>bold</b>", answer: "<script>alert('x')</script> & \"q\"")
        let page = HTMLExport.page(c, runs: runs)
        #expect(!page.contains("<script") && !page.contains("<b>bold"))
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") && page.contains("&lt;b&gt;bold&lt;/b&gt;"))
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"))
        #expect(page.contains("<pre lang=\"ary-Arab\" dir=\"rtl\">سؤال 0</pre>") && page.contains("<pre lang=\"zgh-Tfng\" dir=\"auto\">ⴰⵙⵇⵙⵉ 1</pre>"))
        #expect(page.contains("<table id=\"scores\"") && page.contains("<svg") && page.contains("<details"))
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("@import"))
        #expect(HTMLExport.escape("a\u{0}b'<>&\"") == "a\u{FFFD}b&#39;&lt;&gt;&amp;&quot;")
    }

    @Test func terminalTablesAlignArabicDiacriticsTifinaghAndWideCharacters() {
        #expect(DisplayWidth.of("كَتَبَ") == 3)          // three letters, three zero-width fathas
        #expect(DisplayWidth.of("ⴰⵣⵓⵍ") == 4)
        #expect(DisplayWidth.of("中文") == 4 && DisplayWidth.of("😀") == 2 && DisplayWidth.of("👍🏽") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1 && DisplayWidth.of("\u{2068}ab\u{2069}") == 2)
        let names = ["كَتَبَ الوَلَدُ", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ", "中文 😀", "plain"]
        let t = Table(header: ["name", "score"], rows: names.map { [$0, "0.5"] })
        let lines = t.render(.table, style: TableStyle(isolates: true)).split(separator: "\n").map(String.init)
        // The score column starts at the same display column on every row, and Arabic cells are isolated (on a terminal).
        let offsets = lines.dropFirst(2).map { line in DisplayWidth.of(String(line[..<line.range(of: "0.5")!.lowerBound])) }
        #expect(Set(offsets).count == 1 && offsets.first == names.map(DisplayWidth.of).max()! + 2)
        #expect(lines[2].hasPrefix("\u{2068}كَتَبَ الوَلَدُ\u{2069}"))
    }
}
