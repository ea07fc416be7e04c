import Foundation
import MizanCore
import MizanStore

extension HumanStudies {
    /// The items of the annotator's study suite to review (from the study's run A: prompt, input field, references),
    /// each with this annotator's earlier review if any, in item order.
    public func reviewItems(for annotator: Annotator) throws -> [ReviewItem] {
        try store.read { s in
            let study = try StudyRows.study(s, id: annotator.studyID)
            let version = try Self.suiteVersion(s, run: study.runA)
            let mine = Dictionary(try Self.reviews(s, suiteID: study.suiteID, version: version, extra: " AND reviewer = ?",
                                                   [.text(annotator.name)]).map { ($0.itemID, $0) }, uniquingKeysWith: { a, _ in a })
            var rows = try s.rows("SELECT item_id, lang, prompt, refs, fields FROM responses WHERE run_id = ? AND sample = 0",
                                  [.text(study.runA)])
            if let language = study.spec.language { rows = rows.filter { $0[1].text == language } }
            return rows.map { r in
                let id = r[0].text ?? ""
                var refs: [String] = []
                if case .array(let xs)? = JSONValue.parse(r[3].text ?? "[]") {
                    refs = xs.compactMap { if case .string(let x) = $0 { return x } else { return nil } }
                }
                var input: String?
                if case .object(let f)? = JSONValue.parse(r[4].text ?? "{}"), case .string(let x)? = f["input"] { input = x }
                return ReviewItem(itemID: id, language: r[1].text ?? "", prompt: r[2].text ?? "", input: input, references: refs, existing: mine[id])
            }.sorted { $0.itemID.unicodeScalars.lexicographicallyPrecedes($1.itemID.unicodeScalars) }
        }
    }

    /// Records the annotator's review of an item of their study's suite (the version of the study's run A); a new
    /// review of the same item by the same reviewer name replaces the old one. One transaction.
    public func recordReview(annotator: Annotator, itemID: String, submission: ReviewSubmission) throws {
        let (suite, version) = try store.read { s in
            let study = try StudyRows.study(s, id: annotator.studyID)
            guard try !s.rows("SELECT 1 FROM responses WHERE run_id = ? AND item_id = ?", [.text(study.runA), .text(itemID)]).isEmpty else {
                throw HumanError(.notFound, "suite \(study.suiteID) has no item '\(itemID)' in study \(study.id)")
            }
            return (study.suiteID, try Self.suiteVersion(s, run: study.runA))
        }
        try recordReview(suiteID: suite, suiteVersion: version, itemID: itemID, reviewer: annotator.name, submission: submission,
                         studyID: annotator.studyID)
    }

    /// Records a review of (suite, version, item) by `reviewer`, replacing that reviewer's earlier one. One transaction.
    public func recordReview(suiteID: String, suiteVersion: String, itemID: String, reviewer: String, submission: ReviewSubmission,
                             studyID: String? = nil) throws {
        guard !reviewer.trimmingCharacters(in: .whitespaces).isEmpty else { throw HumanError(.invalid, "a review needs a reviewer name") }
        if submission.decision == .fix && submission.suggestedInput == nil && submission.suggestedReference == nil {
            throw HumanError(.invalid, "a 'fix' review needs a suggested input or reference")
        }
        let columns = ["suite_id", "suite_version", "item_id", "reviewer", "decision", "suggested_input", "suggested_reference", "comment",
                       "study_id", "created_at"]
        try store.writeTransaction { s in
            try s.rows(s.insertSQL(into: "suite_reviews", columns: columns, key: ["suite_id", "suite_version", "item_id", "reviewer"], replace: true),
                       [.text(suiteID), .text(suiteVersion), .text(itemID), .text(reviewer), .text(submission.decision.rawValue),
                        submission.suggestedInput.sql, submission.suggestedReference.sql, submission.comment.sql, studyID.sql, .text(isoNow())])
        }
    }

    /// The reviews of a suite (one version, or every version when nil), by item then reviewer.
    public func reviews(suiteID: String, suiteVersion: String? = nil) throws -> [Review] {
        try store.read { s in try Self.reviews(s, suiteID: suiteID, version: suiteVersion, extra: "", []) }
    }

    /// How much of a suite version is reviewed: items with one or more reviews, with two or more, who reviewed, and
    /// the decisions. `itemCount` (the suite's items, when the caller knows them) is carried along.
    public func reviewCoverage(suiteID: String, suiteVersion: String, itemCount: Int? = nil) throws -> ReviewCoverage {
        let all = try reviews(suiteID: suiteID, suiteVersion: suiteVersion)
        let perItem = Dictionary(grouping: all, by: \.itemID)
        var decisions: [ReviewDecision: Int] = [:]
        for r in all { decisions[r.submission.decision, default: 0] += 1 }
        return ReviewCoverage(suiteID: suiteID, suiteVersion: suiteVersion, itemCount: itemCount, reviewedItems: perItem.count,
                              itemsWithTwoOrMore: perItem.values.filter { $0.count >= 2 }.count,
                              reviewers: Set(all.map(\.reviewer)).sorted(), decisions: decisions)
    }

    static func suiteVersion(_ s: SQLSession, run: String) throws -> String {
        try s.rows("SELECT suite_version FROM runs WHERE id = ?", [.text(run)]).first?[0].text ?? ""
    }

    static func reviews(_ s: SQLSession, suiteID: String, version: String?, extra: String, _ params: [SQLValue]) throws -> [Review] {
        let v = version == nil ? "" : " AND suite_version = ?"
        let p: [SQLValue] = [.text(suiteID)] + (version.map { [SQLValue.text($0)] } ?? []) + params
        return try s.rows("""
            SELECT suite_id, suite_version, item_id, reviewer, decision, suggested_input, suggested_reference, comment, study_id, created_at
            FROM suite_reviews WHERE suite_id = ?\(v)\(extra) ORDER BY item_id\(s.binaryOrder), reviewer\(s.binaryOrder)
            """, p).map {
            Review(suiteID: $0[0].text ?? "", suiteVersion: $0[1].text ?? "", itemID: $0[2].text ?? "", reviewer: $0[3].text ?? "",
                   submission: ReviewSubmission(decision: ReviewDecision(rawValue: $0[4].text ?? "") ?? .ok, suggestedInput: $0[5].text,
                                                suggestedReference: $0[6].text, comment: $0[7].text),
                   studyID: $0[8].text, createdAt: $0[9].text ?? "")
        }
    }
}
