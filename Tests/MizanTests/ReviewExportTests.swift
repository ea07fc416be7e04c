import Foundation
import Testing
import MizanCore
import MizanHuman
import MizanStore

/// `mizan review export`: accepted corrections become a new suite version through the normal versioning.
@Suite(.timeLimit(.minutes(5))) struct ReviewExportTests {
    @Test func acceptedCorrectionsBecomeANewLockedVersionCreditingReviewers() throws {
        let dir = TestEnv.tempDir(), prompts = dir + "/Prompts"
        let items = (0..<4).map { #"{"id": "i0\#($0)", "input": "input i0\#($0)", "reference": "ref i0\#($0)"}"# }
        let folder = try TestEnv.writeSuite(in: prompts, items: items)
        let original = try String(contentsOfFile: folder + "/items.jsonl", encoding: .utf8)
        #expect(try HumanCLITests.mizan(["suites", "lock", "--prompts", prompts]).status == 0)
        let store = dir + "/store.sqlite"
        let results = try openResultStore(store)
        let (run, records) = HumanFixture.run("r1", name: "r", items: 4, suite: "t-suite", prefix: "a")
        try results.createRun(run)
        try results.record(runID: run.id, items: records)
        let studies = try HumanStudies(store: results)
        let study = try studies.createStudy(StudySpec(name: "review", kind: .review, runA: "r1", runB: "r1")).study
        let people = try studies.addAnnotators(study: study.id, names: ["Amina", "Yuba"]).map(\.annotator)
        // i00: both fix (the reference); i01: one remove of one; i02: fix against ok (no majority); i03 unreviewed.
        try studies.recordReview(annotator: people[0], itemID: "i00", submission: ReviewSubmission(decision: .fix, suggestedReference: "ⵜⵉⴼⵉⵏⴰⵖ"))
        try studies.recordReview(annotator: people[1], itemID: "i00", submission: ReviewSubmission(decision: .fix, suggestedReference: "ⵜⵉⴼⵉⵏⴰⵖ"))
        try studies.recordReview(annotator: people[1], itemID: "i01", submission: ReviewSubmission(decision: .remove))
        try studies.recordReview(annotator: people[0], itemID: "i02", submission: ReviewSubmission(decision: .fix, suggestedInput: "x"))
        try studies.recordReview(annotator: people[1], itemID: "i02", submission: ReviewSubmission(decision: .ok))

        let status = try HumanCLITests.mizan(["review", "status", "t-suite", "--prompts", prompts, "--store", store])
        #expect(status.status == 0 && status.stdout.contains("3 of 4 items reviewed (2 by two or more people); reviewers: Amina, Yuba"),
                "\(status.stdout)\(status.stderr)")
        let listed = try HumanCLITests.mizan(["suites", "--prompts", prompts, "--store", store, "--format", "json"])
        guard case .array(let listedSuites)? = JSONValue.parse(listed.stdout)?["suites"] else { Issue.record("no suites: \(listed.stderr)"); return }
        #expect(listedSuites.first?["review"]?["reviewed_items"]?.doubleValue == 3)

        let export = try HumanCLITests.mizan(["review", "export", "t-suite", "--prompts", prompts, "--store", store])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("1.0.0 → 1.1.0 (1 corrected, 1 removed)"))
        let yaml = try String(contentsOfFile: folder + "/suite.yaml", encoding: .utf8)
        #expect(yaml.contains("version: 1.1.0") && yaml.contains("native-speaker review: 1 item(s) corrected, 1 removed; reviewed by Amina, Yuba"))
        let now = try String(contentsOfFile: folder + "/items.jsonl", encoding: .utf8)
        #expect(now.contains("ⵜⵉⴼⵉⵏⴰⵖ") && !now.contains("\"i01\"") && now.contains("input i02") && now.contains("i03"))
        #expect(try String(contentsOfFile: folder + "/versions/1.0.0/items.jsonl", encoding: .utf8) == original, "the old version is kept as it was")
        let lock = try String(contentsOfFile: prompts + "/suites.lock", encoding: .utf8)
        #expect(lock.contains("\"1.0.0\"") && lock.contains("\"1.1.0\""))
        let validate = try HumanCLITests.mizan(["validate", "--prompts", prompts])
        #expect(validate.status == 0, "both versions validate against the lock: \(validate.stdout)\(validate.stderr)")
        // Nothing left to export for the new version: refused, nothing written.
        let again = try HumanCLITests.mizan(["review", "export", "t-suite", "--prompts", prompts, "--store", store])
        #expect(again.status == 2 && again.stderr.contains("no accepted correction for t-suite@1.1.0"))
        #expect(try String(contentsOfFile: folder + "/suite.yaml", encoding: .utf8) == yaml)
    }

    @Test func majorityDecidesAndTheCommonSuggestionWins() {
        func r(_ item: String, _ who: String, _ d: ReviewDecision, ref: String? = nil, at: String) -> Review {
            Review(suiteID: "s", suiteVersion: "1", itemID: item, reviewer: who, submission: ReviewSubmission(decision: d, suggestedReference: ref),
                   studyID: nil, createdAt: at)
        }
        let ds = ReviewExport.decide([r("a", "x", .fix, ref: "p", at: "1"), r("a", "y", .fix, ref: "q", at: "2"), r("a", "z", .fix, ref: "p", at: "3"),
                                      r("b", "x", .remove, at: "1"), r("b", "y", .ok, at: "2"),
                                      r("c", "x", .ok, at: "1")])
        #expect(ds == [ItemDecision(itemID: "a", decision: .fix, input: nil, reference: "p", reviewers: ["x", "y", "z"])])
        #expect(ReviewExport.bumped("1.2.3") == "1.3.0" && ReviewExport.bumped("v1") == nil)
    }
}
