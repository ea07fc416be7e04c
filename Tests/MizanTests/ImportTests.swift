import Foundation
import Testing
import MizanCore
import MizanSuites

/// `mizan import`: FLORES, Belebele and generic tables become suites that validate, with checksums of what was read.
@Suite(.timeLimit(.minutes(5))) struct ImportTests {
    /// Writes `text` (UTF-8) to `dir/name`, creating folders, and returns the path.
    @discardableResult
    func write(_ dir: String, _ name: String, _ text: String) throws -> String {
        try write(dir, name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ dir: String, _ name: String, bytes: [UInt8]) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func sha(_ path: String) -> String {
        var h = SHA256()
        h.update([UInt8](FileManager.default.contents(atPath: path) ?? Data()))
        return h.finalizeHex()
    }

    /// `source.files` of a suite, from the canonical JSON kept in `info["source"]`.
    func sourceFiles(_ suite: Suite) -> [JSONValue] {
        guard let text = suite.info["source"], case .array(let files)? = JSONValue.parse(text)?["files"] else { return [] }
        return files
    }

    /// Entries of `dir` left by an import (temporary or backup folders).
    func leftovers(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".import-") || $0.contains(".old-") }
    }

    let darija = ["السلام عليكم.", "فين كاين الطوبيس؟", "بغيت نشري الخبز."]
    let french = ["Bonjour à vous.", "Où est le bus ?", "Je veux acheter du pain."]
    let tifinagh = ["ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ.", "ⵎⴰⵏⵉ ⵉⵍⵍⴰ ⵓⵟⵓⴱⵉⵙ?", "ⵔⵉⵖ ⴰⴷ ⵙⵖⵖ ⴰⵖⵔⵓⵎ."]

    @Test func floresWithTzmFileNamesImportsThroughTheLibrary() throws {
        let dir = TestEnv.tempDir()
        let src = try write(dir, "flores/devtest/tzm_Tfng.devtest", tifinagh.joined(separator: "\n") + "\n")
        let tgt = try write(dir, "flores/devtest/fra_Latn.devtest", french.joined(separator: "\n") + "\n")
        let r = try FloresImporter.run(dir: dir + "/flores", source: "zgh_Tfng", target: "fra_Latn",
                                       options: ImportOptions(out: dir + "/flores-zgh-fra", licence: "CC BY-SA 4.0"))
        let suite = try SuiteLoader.load(folder: dir + "/flores-zgh-fra")
        #expect(suite.id == "flores-zgh-fra" && suite.version == "1.0.0")
        #expect(suite.language.description == "fra-Latn")
        #expect(suite.items.count == 3)
        #expect(suite.items.map(\.input) == tifinagh)
        #expect(suite.items.map { $0.references.first ?? "" } == french)
        #expect(suite.items[1].id == "flores-2" && suite.items[1].fields["source_line"] == .number(2))
        #expect(suite.template == "Translate from Standard Moroccan Tamazight (Tifinagh) to French:\n{{input}}\nFrench:")
        #expect(suite.metrics.map(\.name) == ["chrf++", "bleu"])
        #expect(suite.metrics[1].options["tokenize"] == .string("13a"))
        #expect(suite.generation.maxTokens == 256 && suite.generation.stop == ["\n"])
        #expect(suite.info["license"] == "CC BY-SA 4.0")
        #expect(suite.info["status"] == "imported from a local copy; not redistributed by mizan")
        let files = sourceFiles(suite)
        #expect(files.count == 2)
        #expect(files.first?["sha256"]?.stringValue == sha(src))
        #expect(files.last?["sha256"]?.stringValue == sha(tgt))
        #expect(files.first?["bytes"]?.doubleValue == Double(FileManager.default.contents(atPath: src)?.count ?? -1))
        #expect(r.files.map(\.sha256) == [sha(src), sha(tgt)])
        #expect(JSONValue.parse(suite.info["source"] ?? "")?["importer"] == .string("flores"))
    }

    @Test func floresThroughTheBinaryToATifinaghTargetUsesIntlAndLimit() throws {
        let dir = TestEnv.tempDir()
        try write(dir, "fl/ary_Arab.devtest", darija.joined(separator: "\n") + "\n")
        try write(dir, "fl/tzm_Tfng.devtest", tifinagh.joined(separator: "\n"))
        let r = try TestEnv.run(TestEnv.mizanBinary, ["import", "flores", "--dir", dir + "/fl", "--source", "ary_Arab",
                                                      "--target", "tzm_Tfng", "--out", dir + "/out", "--licence", "CC BY-SA 4.0",
                                                      "--limit", "2", "--suite-version", "1.2.0", "--id", "flores-ary-zgh"])
        #expect(r.status == 0, "\(r.stderr)")
        let suite = try SuiteLoader.load(folder: dir + "/out")
        #expect(suite.id == "flores-ary-zgh" && suite.version == "1.2.0")
        #expect(suite.language.description == "zgh-Tfng")
        #expect(suite.items.count == 2)
        #expect(suite.metrics[1].options["tokenize"] == .string("intl"))
        #expect(suite.template.hasPrefix("Translate from Moroccan Darija (Arabic script) to Standard Moroccan Tamazight (Tifinagh):"))
        let yaml = try String(contentsOfFile: dir + "/out/suite.yaml", encoding: .utf8)
        #expect(yaml.contains("  - name: bleu\n    tokenize: intl\n"))
    }

    @Test func mismatchedLineCountsExitTwoNamingBothFilesAndLeaveNothing() throws {
        let dir = TestEnv.tempDir()
        try write(dir, "fl/devtest/ary_Arab.devtest", darija.joined(separator: "\n") + "\n")
        try write(dir, "fl/devtest/fra_Latn.devtest", french.prefix(2).joined(separator: "\n") + "\n")
        let r = try TestEnv.run(TestEnv.mizanBinary, ["import", "flores", "--dir", dir + "/fl", "--source", "ary_Arab",
                                                      "--target", "fra_Latn", "--out", dir + "/out", "--licence", "CC BY-SA 4.0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("ary_Arab.devtest has 3 lines") && r.stderr.contains("fra_Latn.devtest has 2"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
        #expect(leftovers(dir).isEmpty)
    }

    @Test func floresNamesTheFilesItLookedForAndNeedsALicence() throws {
        let dir = TestEnv.tempDir()
        try write(dir, "fl/fra_Latn.txt", "Merci.\n")
        #expect(throws: UsageError.self) {
            try FloresImporter.run(dir: dir + "/fl", source: "ary_Arab", target: "fra_Latn", options: ImportOptions(out: dir + "/o"))
        }
        do {
            _ = try FloresImporter.run(dir: dir + "/fl", source: "ary_Arab", target: "fra_Latn",
                                       options: ImportOptions(out: dir + "/o", licence: "CC BY-SA 4.0"))
            Issue.record("expected an error")
        } catch let e as UsageError {
            #expect(e.message.contains("fl/devtest/ary_Arab.devtest") && e.message.contains("fl/ary_Arab.txt"))
        }
    }

    @Test func badUTF8IsReportedWithFileAndLine() throws {
        let dir = TestEnv.tempDir()
        try write(dir, "fl/ary_Arab.txt", bytes: Array("سلام\n".utf8) + [0xD8, 0x20, 0x0A])
        try write(dir, "fl/fra_Latn.txt", "Salut.\nMerci.\n")
        do {
            _ = try FloresImporter.run(dir: dir + "/fl", source: "ary_Arab", target: "fra_Latn",
                                       options: ImportOptions(out: dir + "/o", licence: "x"))
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.file.hasSuffix("ary_Arab.txt") && e.line == 2 && e.problem.contains("UTF-8"))
        }
    }

    func belebeleLine(_ q: String, _ answers: [String], _ correct: String, dialect: String = "ary_Arab") -> String {
        var o: [String: JSONValue] = ["flores_passage": .string("مشات فاطمة للسوق نهار الخميس وشرات الطماطم."),
                                      "question": .string(q), "dialect": .string(dialect), "link": .string("https://example.org/p1")]
        for (i, a) in answers.enumerated() { o["mc_answer\(i + 1)"] = .string(a) }
        o["correct_answer_num"] = JSONValue.parse(correct)
        return JSONValue.object(o).canonicalJSON
    }

    @Test func belebeleImportsAnswersZeroBased() throws {
        let dir = TestEnv.tempDir()
        let file = try write(dir, "ary_Arab.jsonl", [
            belebeleLine("فوقاش مشات فاطمة للسوق؟", ["نهار الحد", "نهار الخميس", "نهار الجمعة", "نهار السبت"], #""2""#),
            belebeleLine("شنو شرات؟", ["الخبز", "الحوت", "اللحم", "الطماطم"], "4"),
        ].joined(separator: "\n") + "\n")
        let r = try BelebeleImporter.run(file: file, options: ImportOptions(out: dir + "/bb", licence: "CC BY-SA 4.0"))
        let suite = r.suite
        #expect(suite.task == .multipleChoice && suite.language.description == "ary-Arab")
        #expect(suite.items.map(\.answerIndex) == [1, 3])
        #expect(suite.items[0].choices?.count == 4 && suite.items[1].choices?[3] == "الطماطم")
        #expect(suite.items[0].input == "فوقاش مشات فاطمة للسوق؟")
        #expect(suite.items[0].fields["passage"]?.stringValue?.hasPrefix("مشات فاطمة") == true)
        #expect(suite.template == "{{passage}}\n\n{{input}}\n{{choices}}\nالجواب:")
        #expect(suite.metrics.map(\.name) == ["choice"])
        #expect(sourceFiles(suite).first?["sha256"]?.stringValue == sha(file))
    }

    @Test func belebeleBadLinesExitTwoWithTheLine() throws {
        let dir = TestEnv.tempDir()
        let good = belebeleLine("Où va Fatima ?", ["Au souk", "À l'école", "À la poste", "Chez elle"], "1", dialect: "fra_Latn")
        let outOfRange = try write(dir, "a.jsonl", good + "\n" + belebeleLine("Quand ?", ["a", "b", "c", "d"], "5") + "\n")
        let badJSON = try write(dir, "b.jsonl", good + "\n{\"question\": \"x\",}\n")
        for (file, needle) in [(outOfRange, "answer out of range"), (badJSON, "not valid JSON")] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["import", "belebele", "--file", file, "--out", dir + "/bb", "--licence", "CC BY-SA 4.0"])
            #expect(r.status == 2)
            #expect(r.stderr.contains(file + ":2") && r.stderr.contains(needle), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bb"))
        }
        #expect(leftovers(dir).isEmpty)
        let ok = try TestEnv.run(TestEnv.mizanBinary, ["import", "belebele", "--file", outOfRange, "--out", dir + "/bb",
                                                       "--licence", "CC BY-SA 4.0", "--limit", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try SuiteLoader.load(folder: dir + "/bb").template.hasSuffix("Réponse :"))
    }

    @Test func csvParserHandlesQuotesCommasAndNewlines() throws {
        let text = "id,question,a,b\r\n1,\"Rabat, Casa ou Fès ?\",\"il a dit \"\"oui\"\"\",\"deux\nlignes\"\r\n\r\n2,simple,x,\n"
        let records = try CSVParser.parse(Array(text.utf8), file: "t.csv")
        #expect(records.count == 3)
        #expect(records[1].fields == ["1", "Rabat, Casa ou Fès ?", "il a dit \"oui\"", "deux\nlignes"])
        #expect(records[1].line == 2 && records[2].line == 5)
        #expect(records[2].fields == ["2", "simple", "x", ""])
        #expect(throws: InputError.self) { try CSVParser.parse(Array("a,b\n\"open,1\n".utf8), file: "t.csv") }
    }

    @Test func tableCSVMultipleChoiceWithLettersNumbersAndText() throws {
        let dir = TestEnv.tempDir()
        let csv = try write(dir, "mcq.csv", [
            "qid,question,A,B,C,D,gold",
            #"q1,"Chnou hiya l3asima dyal lmaghrib, 3afak?",Casablanca,Rabat,Fès,"Marrakech, la ville rouge",2"#,
            "q2,\"Une question\nsur deux lignes \"\"citée\"\"\",un,deux,trois,quatre,D",
            "q3,Chhal d l'ayyam f simana?,khamsa,stta,sb3a,tmnya,sb3a",
        ].joined(separator: "\r\n") + "\r\n")
        let mapping = TableMapping(task: .multipleChoice, lang: "ary_Latn", input: "question", choices: ["A", "B", "C", "D"],
                                   answer: "gold", answerBase: 1, id: "qid")
        let r = try TableImporter.run(file: csv, mapping: mapping, options: ImportOptions(out: dir + "/t", licence: "MIT"))
        let items = r.suite.items
        #expect(items.map(\.id) == ["q1", "q2", "q3"])
        #expect(items[0].input == "Chnou hiya l3asima dyal lmaghrib, 3afak?")
        #expect(items[0].choices?[3] == "Marrakech, la ville rouge")
        #expect(items[1].input == "Une question\nsur deux lignes \"citée\"")
        #expect(items.map(\.answerIndex) == [1, 3, 2])
        #expect(items[2].fields["source_line"] == .number(5))
        #expect(r.suite.language.description == "ary-Latn")

        // The same answers as text, through the binary; an answer out of range fails with its line.
        let bad = try write(dir, "bad.csv", "q,a,b,ans\nx,oui,non,non\ny,oui,non,3\n")
        let cmd = ["import", "table", "--file", bad, "--out", dir + "/bad", "--task", "multiple-choice", "--lang", "fra-Latn",
                   "--input", "q", "--choices", "a,b", "--answer", "ans", "--licence", "MIT"]
        let failed = try TestEnv.run(TestEnv.mizanBinary, cmd)
        #expect(failed.status == 2)
        #expect(failed.stderr.contains(bad + ":3") && failed.stderr.contains("answer out of range"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad") && leftovers(dir).isEmpty)
        let ok = try TestEnv.run(TestEnv.mizanBinary, cmd + ["--limit", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try SuiteLoader.load(folder: dir + "/bad").items.first?.answerIndex == 1)
    }

    @Test func tableJSONLGenerationNormalizesToNFC() throws {
        let dir = TestEnv.tempDir()
        let file = try write(dir, "gen.jsonl", """
            {"k": "a1", "src": "Ce\\u0301dric a mange\\u0301.", "tgt": "سدريك كلا."}
            {"k": "a2", "src": "Il fait chaud.", "tgt": "الجو سخون."}

            """)
        let r = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", file, "--out", dir + "/g", "--task", "generation",
                                                      "--lang", "ary-Arab", "--input", "src", "--reference", "tgt", "--id", "k",
                                                      "--license", "ODC-BY", "--metric", "chrf"])
        #expect(r.status == 0, "\(r.stderr)")
        let suite = try SuiteLoader.load(folder: dir + "/g")
        #expect(suite.items.map(\.id) == ["a1", "a2"])
        #expect(suite.items[0].input.unicodeScalars.elementsEqual("C\u{E9}dric a mang\u{E9}.".unicodeScalars))
        #expect(suite.items[1].references == ["الجو سخون."])
        #expect(suite.metrics.map(\.name) == ["chrf"])
        let missing = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", file, "--out", dir + "/m", "--task", "generation",
                                                            "--lang", "ary-Arab", "--input", "source", "--reference", "tgt", "--licence", "x"])
        #expect(missing.status == 2 && missing.stderr.contains(file + ":1") && missing.stderr.contains("missing column 'source'"), "\(missing.stderr)")
    }

    @Test func refusesToOverwriteUnlessForcedAndAFailedForceKeepsTheOldSuite() throws {
        let dir = TestEnv.tempDir()
        try write(dir, "fl/ary_Arab.txt", darija.joined(separator: "\n"))
        try write(dir, "fl/fra_Latn.txt", french.joined(separator: "\n"))
        try write(dir, "out/notes.txt", "mine\n")
        let args = ["import", "flores", "--dir", dir + "/fl", "--source", "ary_Arab", "--target", "fra_Latn",
                    "--out", dir + "/out", "--licence", "CC BY-SA 4.0"]
        let refused = try TestEnv.run(TestEnv.mizanBinary, args)
        #expect(refused.status == 2 && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/out/notes.txt"))
        let forced = try TestEnv.run(TestEnv.mizanBinary, args + ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out/notes.txt"))
        #expect(try SuiteLoader.load(folder: dir + "/out").items.count == 3)

        try write(dir, "fl/fra_Latn.txt", "Une seule ligne.\n")
        let failed = try TestEnv.run(TestEnv.mizanBinary, args + ["--force"])
        #expect(failed.status == 2)
        #expect(try SuiteLoader.load(folder: dir + "/out").items.count == 3)
        #expect(leftovers(dir).isEmpty)
    }
}
