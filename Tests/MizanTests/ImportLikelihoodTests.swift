import Foundation
import Testing
import MizanCore
import MizanSuites

/// `mizan import` of likelihood suites (issue 15): Belebele and tables as log-likelihood multiple choice, tables as
/// loglikelihood/rolling suites, FLORES as a rolling bits-per-byte suite; and the shipped likelihood suites.
@Suite(.timeLimit(.minutes(5))) struct ImportLikelihoodTests {
    @discardableResult
    func write(_ dir: String, _ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func belebele(_ question: String, _ answers: [String], _ correct: Int, dialect: String) -> String {
        var o: [String: JSONValue] = ["flores_passage": .string("Le souk ouvre le jeudi."), "question": .string(question),
                                      "dialect": .string(dialect), "correct_answer_num": .string(String(correct))]
        for (i, a) in answers.enumerated() { o["mc_answer\(i + 1)"] = .string(a) }
        return JSONValue.object(o).canonicalJSON
    }

    @Test func belebeleLoglikelihoodWritesLmEvalsPromptAndLabelContinuations() throws {
        let dir = TestEnv.tempDir()
        let file = try write(dir, "fra.jsonl", [
            belebele(" Quel jour ouvre le souk ? ", ["lundi", "jeudi", "samedi", "dimanche"], 2, dialect: "fra_Latn"),
            belebele("Qu'ouvre le jeudi ?", ["l'école", "la poste", "le souk", "la gare"], 3, dialect: "fra_Latn"),
        ].joined(separator: "\n") + "\n")
        let r = try TestEnv.run(TestEnv.mizanBinary, ["import", "belebele", "--file", file, "--out", dir + "/bb",
                                                      "--licence", "CC BY-SA 4.0", "--scoring", "loglikelihood"])
        #expect(r.status == 0, "\(r.stderr)")
        let suite = try SuiteLoader.load(folder: dir + "/bb")
        #expect(suite.task == .multipleChoice && suite.scoring == .loglikelihood && suite.likelihoodTask == .multipleChoice)
        #expect(suite.metrics.map(\.name) == ["acc", "acc_norm", "gold_prob", "brier"])
        #expect(suite.likelihood.continuationTemplate == " {{label}}")
        #expect(suite.items.map(\.answerIndex) == [1, 2])
        // lm-eval's lm_eval/tasks/belebele/_default_template_yaml, question stripped, then " A" … " D".
        #expect(LikelihoodPrompt.context(suite, item: suite.items[0])
            == "P: Le souk ouvre le jeudi.\nQ: Quel jour ouvre le souk ?\nA: lundi\nB: jeudi\nC: samedi\nD: dimanche\nAnswer:")
        #expect(LikelihoodPrompt.continuations(suite, item: suite.items[1]) == [" A", " B", " C", " D"])
        let yaml = try String(contentsOfFile: dir + "/bb/suite.yaml", encoding: .utf8)
        #expect(yaml.contains("scoring: loglikelihood\n") && !yaml.contains("generation:"), "\(yaml)")

        // Arabic script: the labels are mizan's Arabic ones, in the prompt and in the continuations alike.
        let ary = try write(dir, "ary.jsonl", belebele("فوقاش كيتحل السوق؟", ["الاثنين", "الخميس", "السبت", "الحد"], 2, dialect: "ary_Arab") + "\n")
        let a = try BelebeleImporter.run(file: ary, scoring: .loglikelihood, options: ImportOptions(out: dir + "/bb-ary", licence: "CC BY-SA 4.0"))
        #expect(LikelihoodPrompt.context(a.suite, item: a.suite.items[0]).contains("\nأ: الاثنين\nب: الخميس\n"))
        #expect(LikelihoodPrompt.continuations(a.suite, item: a.suite.items[0]) == [" أ", " ب", " ج", " د"])

        let bad = try TestEnv.run(TestEnv.mizanBinary, ["import", "belebele", "--file", file, "--out", dir + "/x",
                                                        "--licence", "CC BY-SA 4.0", "--scoring", "logprob"])
        #expect(bad.status == 2 && bad.stderr.contains("--scoring must be generate or loglikelihood"), "\(bad.stderr)")
    }

    @Test func tableLoglikelihoodMultipleChoiceIsAClozeUnlessTold() throws {
        let dir = TestEnv.tempDir()
        let csv = try write(dir, "q.csv", "q,a,b,c,gold\nQuelle est la capitale du Maroc ?,Rabat,Fès,Tanger,A\nEt la monnaie ?,le dinar,le dirham,le franc,B\n")
        let base = ["import", "table", "--file", csv, "--task", "multiple-choice", "--lang", "fra_Latn", "--input", "q",
                    "--choices", "a,b,c", "--answer", "gold", "--licence", "MIT", "--scoring", "loglikelihood"]
        let r = try TestEnv.run(TestEnv.mizanBinary, base + ["--out", dir + "/cloze"])
        #expect(r.status == 0, "\(r.stderr)")
        let cloze = try SuiteLoader.load(folder: dir + "/cloze")
        #expect(cloze.scoring == .loglikelihood && cloze.metrics.map(\.name) == ["acc", "acc_norm", "gold_prob", "brier"])
        #expect(LikelihoodPrompt.context(cloze, item: cloze.items[0]) == "Quelle est la capitale du Maroc ?\nRéponse :")
        #expect(LikelihoodPrompt.continuations(cloze, item: cloze.items[0]) == [" Rabat", " Fès", " Tanger"])

        let lettered = try TestEnv.run(TestEnv.mizanBinary, base + ["--out", dir + "/letters", "--template", "{{input}}\n{{choices}}\nRéponse :",
                                                                    "--continuation", " {{label}}"])
        #expect(lettered.status == 0, "\(lettered.stderr)")
        let l = try SuiteLoader.load(folder: dir + "/letters")
        #expect(LikelihoodPrompt.continuations(l, item: l.items[1]) == [" A", " B", " C"])
        #expect(LikelihoodPrompt.context(l, item: l.items[1]).hasSuffix("C) le franc\nRéponse :"))

        let misplaced = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", csv, "--task", "multiple-choice", "--lang", "fra_Latn",
                                                              "--input", "q", "--choices", "a,b,c", "--answer", "gold", "--licence", "MIT",
                                                              "--continuation", " {{choice}}", "--out", dir + "/m"])
        #expect(misplaced.status == 2 && misplaced.stderr.contains("--continuation needs --task multiple-choice --scoring loglikelihood"),
                "\(misplaced.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m"))
    }

    @Test func tableRollingAndLoglikelihoodTasks() throws {
        let dir = TestEnv.tempDir()
        let file = try write(dir, "t.jsonl", """
            {"k": "a", "text": "السلام عليكم.", "ctx": "Capitale :", "tgt": " Rabat"}
            {"k": "b", "text": "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ.", "ctx": "Monnaie :", "tgt": " dirham"}

            """)
        let rolling = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", file, "--task", "rolling", "--lang", "ary_Arab",
                                                            "--input", "text", "--id", "k", "--licence", "MIT", "--out", dir + "/r"])
        #expect(rolling.status == 0, "\(rolling.stderr)")
        let r = try SuiteLoader.load(folder: dir + "/r")
        #expect(r.task == .rolling && r.metrics.map(\.name) == ["bits_per_byte", "byte_perplexity"])
        #expect(r.items.map(\.input) == ["السلام عليكم.", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ."])

        let ll = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", file, "--task", "loglikelihood", "--lang", "fra_Latn",
                                                       "--input", "ctx", "--target", "tgt", "--licence", "MIT", "--out", dir + "/l"])
        #expect(ll.status == 0, "\(ll.stderr)")
        let l = try SuiteLoader.load(folder: dir + "/l")
        #expect(l.task == .loglikelihood && l.metrics.map(\.name) == ["loglikelihood", "is_greedy"])
        #expect(LikelihoodPrompt.continuations(l, item: l.items[1]) == [" dirham"])

        let noTarget = try TestEnv.run(TestEnv.mizanBinary, ["import", "table", "--file", file, "--task", "loglikelihood", "--lang", "fra_Latn",
                                                             "--input", "ctx", "--licence", "MIT", "--out", dir + "/n"])
        #expect(noTarget.status == 2 && noTarget.stderr.contains("--target COLUMN"), "\(noTarget.stderr)")
    }

    @Test func floresRollingHasOneItemPerSentencePerLanguage() throws {
        let dir = TestEnv.tempDir()
        let fra = try write(dir, "fl/devtest/fra_Latn.devtest", "Bonjour à vous.\nMerci.\nAu revoir.\n")
        try write(dir, "fl/devtest/ary_Arab.devtest", "السلام عليكم.\nشكرا.\nبسلامة.\n")
        try write(dir, "fl/devtest/tzm_Tfng.devtest", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ.\nⵜⴰⵏⵎⵎⵉⵔⵜ.\nⴰⵔ ⵜⵉⵎⵍⵉⵍⵉⵜ.\n")
        let args = ["import", "flores", "--dir", dir + "/fl", "--task", "rolling", "--languages", "fra_Latn,ary_Arab,zgh_Tfng",
                    "--licence", "CC BY-SA 4.0", "--limit", "2"]
        let r = try TestEnv.run(TestEnv.mizanBinary, args + ["--out", dir + "/bpb"])
        #expect(r.status == 0, "\(r.stderr)")
        let suite = try SuiteLoader.load(folder: dir + "/bpb")
        #expect(suite.task == .rolling && suite.language.description == "fra-Latn")
        #expect(suite.metrics.map(\.name) == ["bits_per_byte", "byte_perplexity"])
        #expect(suite.items.count == 6)
        #expect(suite.items.map { suite.language(of: $0).description } == ["fra-Latn", "ary-Arab", "zgh-Tfng", "fra-Latn", "ary-Arab", "zgh-Tfng"])
        #expect(suite.items.map(\.input) == ["Bonjour à vous.", "السلام عليكم.", "ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ.", "Merci.", "شكرا.", "ⵜⴰⵏⵎⵎⵉⵔⵜ."])
        #expect(suite.items[4].id == "flores-2-ary-Arab" && suite.items[4].fields["source_line"] == .number(2))
        let yaml = try String(contentsOfFile: dir + "/bpb/suite.yaml", encoding: .utf8)
        #expect(yaml.contains("task: rolling\n") && yaml.contains("cluster: source_line\n") && !yaml.contains("generation:"))
        #expect(yaml.contains((fra as NSString).lastPathComponent) && yaml.contains("tzm_Tfng.devtest"))

        try write(dir, "fl/devtest/ary_Arab.devtest", "السلام عليكم.\nشكرا.\n")
        let short = try TestEnv.run(TestEnv.mizanBinary, args + ["--out", dir + "/bad"])
        #expect(short.status == 2 && short.stderr.contains("ary_Arab.devtest has 2"), "\(short.stderr)")
        let mixed = try TestEnv.run(TestEnv.mizanBinary, args + ["--out", dir + "/bad", "--source", "fra_Latn"])
        #expect(mixed.status == 2 && mixed.stderr.contains("--task rolling takes --languages"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    @Test func shippedLikelihoodSuitesReuseTheirItemsAndCoverEveryLanguage() throws {
        let prompts = TestEnv.root + "/Prompts"
        for lang in ["fra", "arb", "ary"] {
            let ll = try SuiteLoader.load(folder: "\(prompts)/mcq-morocco-\(lang)-ll")
            let gen = try SuiteLoader.load(folder: "\(prompts)/mcq-morocco-\(lang)")
            #expect(ll.scoring == .loglikelihood && ll.likelihood.continuationTemplate == " {{choice}}")
            #expect(ll.items == gen.items, "mcq-morocco-\(lang)-ll must hold the items of mcq-morocco-\(lang)")
            #expect(ll.metrics.map(\.name) == ["acc", "acc_norm", "gold_prob", "brier"])
        }
        let bpb = try SuiteLoader.load(folder: prompts + "/bpb-parallel")
        #expect(bpb.task == .rolling && bpb.metrics.map(\.name) == ["bits_per_byte", "byte_perplexity"])
        var perLanguage: [String: Int] = [:]
        for item in bpb.items { perLanguage[bpb.language(of: item).description, default: 0] += 1 }
        #expect(perLanguage == ["fra-Latn": 150, "arb-Arab": 150, "ary-Arab": 150, "ary-Latn": 150, "zgh-Tfng": 71, "zgh-Latn": 71])
        // The first 6n items are n sentences in all six languages (the demo's --limit relies on it).
        let first = bpb.items.prefix(120)
        #expect(Set(first.map { bpb.language(of: $0).description }).count == 6)
        #expect(Set(first.compactMap { $0.fields["source_id"]?.stringValue }).count == 20)
    }
}
