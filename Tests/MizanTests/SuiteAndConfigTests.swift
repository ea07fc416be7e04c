import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanSuites

/// Suite loading/validation and the config file: every error names file, line and what to do.
@Suite(.timeLimit(.minutes(5))) struct SuiteAndConfigTests {
    @Test func shippedSuitesAllValidate() throws {
        let folders = try SuiteLoader.discover(promptsDir: TestEnv.root + "/Prompts")
        #expect(folders.count >= 5)
        var tags = Set<String>()
        for f in folders {
            let s = try SuiteLoader.load(folder: f)
            #expect(s.items.count >= 10, "\(s.id) has \(s.items.count) items")
            #expect(s.contentHash.count == 64)
            tags.insert(s.language.description)
        }
        #expect(tags.isSuperset(of: ["ary-Arab", "ary-Latn", "arb-Arab", "zgh-Tfng", "fra-Latn"]))
    }

    func errors(items: [String], yaml: String? = nil) throws -> [InputError] {
        let folder = try TestEnv.writeSuite(in: TestEnv.tempDir(), yaml: yaml, items: items)
        var errors: [InputError] = []
        _ = SuiteLoader.loadCollecting(folder: folder, errors: &errors)
        return errors
    }

    @Test func duplicateIdsAreReportedWithBothLines() throws {
        let e = try errors(items: [#"{"id":"a","input":"x","reference":"y"}"#, #"{"id":"b","input":"x","reference":"y"}"#,
                                   #"{"id":"a","input":"z","reference":"y"}"#])
        #expect(e.count == 1)
        #expect(e.first?.line == 3)
        #expect(e.first?.description.contains("duplicate item id 'a' (first on line 1)") == true)
        #expect(e.first?.file.hasSuffix("items.jsonl") == true)
    }

    @Test func badUTF8UnknownLanguageAndMissingReferenceAreErrors() throws {
        let folder = try TestEnv.writeSuite(in: TestEnv.tempDir(), items: [
            #"{"id":"1","input":"x","reference":"y"}"#, #"{"id":"2","input":"x"}"#,
            #"{"id":"3","input":"x","reference":"y","lang":"xxx-Zzzz"}"#, "not json",
        ])
        var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/items.jsonl"))
        data.append(contentsOf: [0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
        try data.write(to: URL(fileURLWithPath: folder + "/items.jsonl"))
        var e: [InputError] = []
        _ = SuiteLoader.loadCollecting(folder: folder, errors: &e)
        let byLine = Dictionary(grouping: e, by: { $0.line ?? 0 })
        #expect(byLine[2]?.first?.problem.contains("no reference") == true)
        #expect(byLine[3]?.first?.problem.contains("unknown language tag 'xxx-Zzzz'") == true)
        #expect(byLine[4]?.first?.problem.contains("not a JSON object") == true)
        #expect(byLine[5]?.first?.problem.contains("UTF-8") == true)
    }

    @Test func unknownMetricAndBadHeaderNameTheLine() throws {
        let e = try errors(items: [#"{"id":"1","input":"x","reference":"y"}"#], yaml: """
            id: bad
            version: one
            language: ary-Arab
            prompt:
              template: "{{input}} {{missing}}"
            metrics: [exact, bleurt]
            """)
        let text = e.map(\.description).joined(separator: "\n")
        #expect(text.contains("suite.yaml:2"))
        #expect(text.contains("not semantic"))
        #expect(text.contains("unknown metric 'bleurt'"))
        #expect(text.contains("suite.yaml:6"))
        let placeholder = try errors(items: [#"{"id":"1","input":"x","reference":"y"}"#], yaml: """
            id: t-suite
            version: 1.0.0
            language: ary-Arab
            prompt:
              template: "{{input}} {{missing}}"
            metrics: [exact]
            """)
        #expect(placeholder.first?.line == 1)
        #expect(placeholder.first?.description.contains("{{missing}}") == true)
    }

    @Test func multipleChoiceAnswersAcceptIndexLabelOrText() throws {
        let yaml = """
            id: mc
            version: 1.0.0
            language: arb-Arab
            task: multiple-choice
            prompt:
              template: "{{input}}\\n{{choices}}"
            metrics: [choice]
            """
        let folder = try TestEnv.writeSuite(in: TestEnv.tempDir(), id: "mc", yaml: yaml, items: [
            #"{"id":"1","input":"q","choices":["a","b","c"],"answer":2}"#,
            #"{"id":"2","input":"q","choices":["a","b","c"],"answer":"ب"}"#,
            #"{"id":"3","input":"q","choices":["a","b","c"],"answer":"a"}"#,
        ])
        let s = try SuiteLoader.load(folder: folder)
        #expect(s.items.map(\.answerIndex) == [2, 1, 0])
        #expect(PromptRenderer.render(s, item: s.items[0]).user == "q\nأ) a\nب) b\nج) c")
    }

    @Test func contentHashChangesWithItemsAndTemplate() throws {
        let dir = TestEnv.tempDir()
        let a = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "a", items: [#"{"id":"1","input":"x","reference":"y"}"#]))
        let b = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "b", items: [#"{"id":"1","input":"x","reference":"z"}"#]))
        let a2 = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: TestEnv.tempDir(), id: "a", items: [#"{"id":"1","input":"x","reference":"y"}"#]))
        #expect(a.contentHash != b.contentHash)
        #expect(a.contentHash == a2.contentHash)
    }

    @Test func configFileParsesEveryKeyAndRejectsUnknownOnes() throws {
        let dir = TestEnv.tempDir()
        let good = dir + "/mizan.yaml"
        try """
            store: \(dir)/s.sqlite
            endpoints:
              local:
                url: http://127.0.0.1:8080/v1
                kind: openai-completions
                model: gemma
                api_key_env: LOCAL_KEY
                headers: {X-Team: nlp, X-Token: {env: TOKEN_VAR}}
                stream: true
                concurrency: 4
                timeouts: {connect: 3, total: 60, stall: 9}
                tls: {ca_bundle: /etc/ca.pem, insecure: false}
                proxy: env
                params: {cache_prompt: true}
            """.write(toFile: good, atomically: true, encoding: .utf8)
        let cfg = try MizanConfig.load(path: good)
        let e = try #require(cfg.endpoints["local"])
        #expect(e.kind == .openaiCompletions && e.model == "gemma" && e.apiKeyEnv == "LOCAL_KEY" && e.stream)
        #expect(e.concurrency == 4 && e.timeouts.stall == 9 && e.tls.caBundle == "/etc/ca.pem" && e.proxy == .environment)
        #expect(e.headers["X-Token"] == .environment("TOKEN_VAR"))
        #expect(cfg.store == "\(dir)/s.sqlite")
        let resolved = try cfg.resolve(endpoint: "local", kind: nil, model: "other", concurrency: 2)
        #expect(resolved.model == "other" && resolved.concurrency == 2)
        #expect(throws: UsageError.self) { try cfg.resolve(endpoint: "nope", kind: nil, model: nil, concurrency: nil) }

        let bad = dir + "/bad.yaml"
        try "endpoints:\n  x:\n    url: http://h/v1\n    colour: red\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect { try MizanConfig.load(path: bad) } throws: { error in
            "\(error)".contains("bad.yaml:4") && "\(error)".contains("colour")
        }
    }
}
