import Foundation
import MizanCore
import MizanMetrics
import MizanTestSupport
import Testing

/// `mizan compare` on a suite scored with spBLEU (`tokenize: flores200`, the model beside the suite): the corpus row
/// carries sacrebleu's paired bootstrap of the corpus score, equal to `sacrebleu --paired-bs` on the same outputs.
@Suite(.serialized, .timeLimit(.minutes(5))) struct CompareCorpusTestTests {
    @Test func compareRunsSacrebleusPairedBootstrapOnCorpusRows() throws {
        let dir = TestEnv.tempDir()
        let refs = try SegmentFile.read(SPMFixture.path("fra-Latn.ref"))
        let answers = ["a": try SegmentFile.read(SPMFixture.path("fra-Latn.sys1")), "b": try SegmentFile.read(SPMFixture.path("fra-Latn.sys2"))]
        // zero-padded ids: compare orders items by id, which is then the fixture's order (the resamples depend on it)
        let items = refs.enumerated().map { i, ref -> String in
            let id = String(format: "item-%03d", i)
            return JSONValue.object(["id": .string(id), "lang": .string("fra-Latn"), "input": .string("q \(i)"),
                                     "reference": .string(ref)]).canonicalJSON
        }
        let metrics = "\n  - name: bleu\n    tokenize: flores200\n    spm_model: mizan-test.model\n    normalize: none"
        let folder = try TestEnv.writeSuite(in: dir, id: "spbleu-suite", yaml: TestEnv.suiteYAML(id: "spbleu-suite", metrics: metrics),
                                            items: items)
        try FileManager.default.copyItem(atPath: SPMFixture.model, toPath: folder + "/mizan-test.model")
        let server = try TestHTTPServer(responder: { req in
            let n = Int(req.prompt.split(separator: " ").last ?? "") ?? 0
            return .completion(TestCompletion(text: answers[req.model ?? ""]?[n] ?? ""))
        })
        defer { server.stop() }
        let store = dir + "/spbleu.sqlite"
        var ids: [String] = []
        for model in ["a", "b"] {
            let r = try TestEnv.run(TestEnv.mizanBinary, ["run", "--suite", folder, "--endpoint", server.baseURL + "/v1", "--model", model,
                                                          "--name", model, "--store", store, "--json"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
            ids.append(try #require(json["run_id"]?.stringValue))
        }
        let paired = try #require(try SPMFixture.language("fra-Latn")["paired"] as? [String: Any])
        let bs = try #require((paired["bs"] as? [String: Any])?["bleu-flores200"] as? [String: Any])
        let expected = try #require(bs["systems"] as? [[String: Any]])

        let r = try TestEnv.run(TestEnv.mizanBinary, ["compare", ids[0], ids[1], "--store", store, "--format", "json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let doc = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        guard case .array(let rows)? = doc["rows"] else { Issue.record("no rows"); return }
        let row = try #require(rows.first { $0["metric"]?.stringValue == "bleu" && $0["language"]?.stringValue == "fra-Latn" })
        guard case .array(let cells)? = row["cells"] else { Issue.record("no cells"); return }
        #expect(cells.count == 2)
        // Foundation's JSONSerialization (which reads the fixture) can be off in the last bit; mizan's parser is exact
        func close(_ a: Double?, _ b: Any?) -> Bool {
            guard let a, let b = b as? Double else { return false }
            return abs(a - b) <= 1e-12 * max(1, abs(b))
        }
        for (cell, want) in zip(cells, expected.prefix(2)) {
            #expect(close(cell["corpus"]?.doubleValue, want["score"]))
            let test = try #require(cell["corpus_test"])
            #expect(test["test"]?.stringValue == "paired-bootstrap")
            #expect(close(test["mean"]?.doubleValue, want["mean"]))
            #expect(close(test["ci95_half_width"]?.doubleValue, want["ci"]))
        }
        #expect(close(cells[1]["corpus_test"]?["p_value"]?.doubleValue, expected[1]["p_value"]))
        #expect(cells[0]["corpus_test"]?["p_value"] == .null)

        let table = try TestEnv.run(TestEnv.mizanBinary, ["compare", ids[0], ids[1], "--store", store])
        let lines = table.stdout.split(separator: "\n").map(String.init)
        let line = try #require(lines.first { $0.contains("fra-Latn") && $0.lowercased().contains("bleu") })
        #expect(line.contains("(bs p=0.322)"))
    }
}
