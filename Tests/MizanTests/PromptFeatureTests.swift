import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanRunner
import MizanStore
import MizanSuites
import MizanTestSupport

/// Few-shot examples and multi-turn items, checked on what the server actually receives.
@Suite(.timeLimit(.minutes(5))) struct PromptFeatureTests {
    static let fewshotYAML = """
        id: fs
        version: 1.0.0
        language: fra-Latn
        task: generation
        prompt:
          template: "Q: {{input}}\\nA:"
        metrics: [exact]
        fewshot: {count: 2, seed: 7}
        """

    static func items(_ n: Int) -> [String] { (0..<n).map { #"{"id":"i\#($0)","input":"q\#($0)","reference":"r\#($0)"}"# } }

    @Test func fewShotExamplesAreSeededAndNeverTheItemItself() throws {
        let s = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: TestEnv.tempDir(), id: "fs", yaml: Self.fewshotYAML, items: Self.items(8)))
        let settings = try #require(s.fewshot)
        #expect(settings.count == 2 && settings.seed == 7)
        var seenSets = Set<[String]>()
        for item in s.items {
            let ex = PromptRenderer.examples(for: item, pool: s.fewshotPool, settings: settings).map(\.id)
            #expect(ex.count == 2 && !ex.contains(item.id) && Set(ex).count == 2)
            #expect(ex == PromptRenderer.examples(for: item, pool: s.fewshotPool, settings: settings).map(\.id))
            seenSets.insert(ex)
        }
        #expect(seenSets.count > 1, "different items get different examples")
        let c = PromptRenderer.conversation(s, item: s.items[0])
        #expect(c.history.count == 4 && c.history[0].role == "user" && c.history[1].role == "assistant")
        #expect(c.history[0].content.hasPrefix("Q: q") && c.history[1].content.hasPrefix("r"))
        let flat = RenderedPrompt(system: nil, user: c.user, history: c.history, separator: c.separator).flattened
        #expect(flat.hasSuffix("\n\nQ: q0\nA:"))
        #expect(flat.components(separatedBy: "\nA: r").count == 3)
    }

    @Test func fewShotChangesTheContentHash() throws {
        let dir = TestEnv.tempDir()
        let with = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "a", yaml: Self.fewshotYAML, items: Self.items(5)))
        let without = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "b",
            yaml: Self.fewshotYAML.replacingOccurrences(of: "fewshot: {count: 2, seed: 7}", with: ""), items: Self.items(5)))
        let otherSeed = try SuiteLoader.load(folder: try TestEnv.writeSuite(in: dir, id: "c",
            yaml: Self.fewshotYAML.replacingOccurrences(of: "seed: 7", with: "seed: 8"), items: Self.items(5)))
        #expect(Set([with.contentHash, without.contentHash, otherSeed.contentHash]).count == 3)
    }

    @Test func chatEndpointsReceiveExamplesAndHistoryAsMessages() async throws {
        let dir = TestEnv.tempDir()
        let folder = try TestEnv.writeSuite(in: dir, id: "fs", yaml: Self.fewshotYAML, items: Self.items(4) + [
            #"{"id":"conv","input":"and now?","reference":"r","messages":[{"role":"user","content":"salam"},{"role":"assistant","content":"salam, labas?"}]}"#,
        ])
        let suite = try SuiteLoader.load(folder: folder)
        let server = try TestHTTPServer { req in .completion(TestCompletion(text: "r")) }
        defer { server.stop() }
        let store = try SQLiteStore(path: dir + "/p.sqlite")
        _ = try await Runner(store: store, harnessVersion: "t").run(RunRequest(suite: suite, endpoint: TestEnv.endpoint(server)))
        let conv = try #require(server.requests.first { $0.prompt == "Q: and now?\nA:" })
        let messages = try #require(conv.json?["messages"]?.arrayValue)
        #expect(messages.count == 7)  // 2 examples × 2 turns + 2 history turns + the final user turn
        #expect(messages[4]["content"]?.stringValue == "salam" && messages[5]["role"]?.stringValue == "assistant")
    }

    @Test func badMessagesAreAnError() throws {
        let folder = try TestEnv.writeSuite(in: TestEnv.tempDir(), items: [#"{"id":"1","input":"x","reference":"y","messages":[{"role":"robot","content":"hi"}]}"#])
        var errors: [InputError] = []
        _ = SuiteLoader.loadCollecting(folder: folder, errors: &errors)
        #expect(errors.first?.field == "messages" && errors.first?.line == 1)
    }

    @Test func languageVariantsBecomeOneItemPerScript() throws {
        let folder = try TestEnv.writeSuite(in: TestEnv.tempDir(), items: [
            #"{"id":"greet","input":"كيداير؟","reference":"بخير","variants":{"ary-Latn":{"input":"kidayr?","reference":"bikhir"},"arb-Arab":{"input":"كيف حالك؟"}}}"#,
        ])
        let s = try SuiteLoader.load(folder: folder)
        #expect(s.items.map(\.id) == ["greet", "greet@arb-Arab", "greet@ary-Latn"])
        #expect(s.items[2].lang?.description == "ary-Latn" && s.items[2].input == "kidayr?" && s.items[2].references == ["bikhir"])
        #expect(s.items[1].references == ["بخير"], "a variant inherits what it does not override")
        #expect(s.items[0].lang == nil && s.items[0].fields["variants"] == nil)
        let bad = try TestEnv.writeSuite(in: TestEnv.tempDir(), items: [#"{"id":"g","input":"x","reference":"y","variants":{"xx-Yyyy":{"input":"z"}}}"#])
        var errors: [InputError] = []
        _ = SuiteLoader.loadCollecting(folder: bad, errors: &errors)
        #expect(errors.first?.field == "variants" && errors.first?.line == 1)
    }
}
