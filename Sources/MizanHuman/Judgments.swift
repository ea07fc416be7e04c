import Foundation
import MizanCore
import MizanStore

extension HumanStudies {
    /// The next pair for `annotator`: the pair assigned to them and not yet judged, else the first pair (in the study's
    /// seeded order: pairs are numbered in it) they have not had that fewer than K annotators have, which is then assigned to them (one
    /// transaction). Nil when nothing is left for them.
    public func nextPair(for annotator: Annotator) throws -> PresentedPair? {
        let pair: Int? = try store.writeTransaction { s in
            let study = try StudyRows.study(s, id: annotator.studyID)
            try s.lockRow("human_studies", id: study.id)
            if let open = try s.rows("""
                SELECT a.pair FROM human_assignments a WHERE a.study_id = ? AND a.annotator_id = ? AND NOT EXISTS (
                    SELECT 1 FROM human_judgments j WHERE j.study_id = a.study_id AND j.pair = a.pair AND j.annotator_id = a.annotator_id)
                ORDER BY a.pair LIMIT 1
                """, [.text(study.id), .text(annotator.id)]).first?[0].int { return open }
            guard let free = try s.rows("""
                SELECT p.pair FROM human_pairs p WHERE p.study_id = ? AND NOT EXISTS (
                    SELECT 1 FROM human_assignments a WHERE a.study_id = p.study_id AND a.pair = p.pair AND a.annotator_id = ?)
                AND (SELECT COUNT(*) FROM human_assignments a WHERE a.study_id = p.study_id AND a.pair = p.pair) < ?
                ORDER BY p.pair LIMIT 1
                """, [.text(study.id), .text(annotator.id), .int(study.spec.perItem)]).first?[0].int else { return nil }
            try s.rows("INSERT INTO human_assignments(study_id, pair, annotator_id, assigned_at) VALUES(?, ?, ?, ?)",
                       [.text(study.id), .int(free), .text(annotator.id), .text(isoNow())])
            return free
        }
        guard let pair else { return nil }
        return try presentedPair(for: annotator, pair: pair)
    }

    /// Pair `pair` of the annotator's study as the annotation page shows it (answers in the recorded order).
    public func presentedPair(for annotator: Annotator, pair: Int) throws -> PresentedPair {
        try store.read { s in
            let study = try StudyRows.study(s, id: annotator.studyID)
            guard let row = try s.rows("""
                SELECT p.item_id, p.sample, p.lang, p.b_shown_first, ra.prompt, ra.refs, ra.output, ra.error_message, rb.output, rb.error_message
                FROM human_pairs p
                JOIN responses ra ON ra.run_id = ? AND ra.item_id = p.item_id AND ra.sample = p.sample
                JOIN responses rb ON rb.run_id = ? AND rb.item_id = p.item_id AND rb.sample = p.sample
                WHERE p.study_id = ? AND p.pair = ?
                """, [.text(study.runA), .text(study.runB), .text(study.id), .int(pair)]).first else {
                throw HumanError(.notFound, "study \(study.id) has no pair \(pair) (or its runs were deleted)")
            }
            let answerA = PresentedAnswer(text: row[6].text, error: row[6].text == nil ? row[7].text ?? "no answer" : nil)
            let answerB = PresentedAnswer(text: row[8].text, error: row[8].text == nil ? row[9].text ?? "no answer" : nil)
            let bFirst = row[3].int == 1
            var refs: [String] = []
            if study.spec.showReference, case .array(let xs)? = JSONValue.parse(row[5].text ?? "[]") {
                refs = xs.compactMap { if case .string(let r) = $0 { return r } else { return nil } }
            }
            return PresentedPair(studyID: study.id, pair: pair, itemID: row[0].text ?? "", sample: row[1].int ?? 0, language: row[2].text ?? "",
                                 prompt: row[4].text ?? "", references: refs, answerA: bFirst ? answerB : answerA,
                                 answerB: bFirst ? answerA : answerB, bShownFirst: bFirst,
                                 progress: try Self.progress(s, annotator: annotator, perItem: study.spec.perItem))
        }
    }

    /// Records `annotator`'s verdict on `pair` in one transaction. Idempotent: a submission key already stored (a
    /// resent form) changes nothing and answers `.duplicate`; a second judgment of the same pair by the same annotator
    /// changes nothing and answers `.alreadyJudged`. A pair not assigned to the annotator is accepted while fewer than
    /// K annotators have it (it is assigned on the way), else refused.
    @discardableResult
    public func recordJudgment(annotator: Annotator, pair: Int, verdict: Verdict, comment: String? = nil,
                               submissionKey: String) throws -> RecordOutcome {
        guard !submissionKey.isEmpty else { throw HumanError(.invalid, "a judgment needs a submission key") }
        let comment = comment.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        return try store.writeTransaction { s in
            let study = try StudyRows.study(s, id: annotator.studyID)
            try s.lockRow("human_studies", id: study.id)
            if try !s.rows("SELECT 1 FROM human_judgments WHERE submission_key = ?", [.text(submissionKey)]).isEmpty { return .duplicate }
            guard let bFirst = try s.rows("SELECT b_shown_first FROM human_pairs WHERE study_id = ? AND pair = ?",
                                          [.text(study.id), .int(pair)]).first?[0].int else {
                throw HumanError(.notFound, "study \(study.id) has no pair \(pair)")
            }
            let key: [SQLValue] = [.text(study.id), .int(pair), .text(annotator.id)]
            if try !s.rows("SELECT 1 FROM human_judgments WHERE study_id = ? AND pair = ? AND annotator_id = ?", key).isEmpty {
                return .alreadyJudged
            }
            let assigned = try !s.rows("SELECT 1 FROM human_assignments WHERE study_id = ? AND pair = ? AND annotator_id = ?", key).isEmpty
            if !assigned {
                let holders = try s.rows("SELECT COUNT(*) FROM human_assignments WHERE study_id = ? AND pair = ?",
                                         [.text(study.id), .int(pair)])[0][0].int ?? 0
                guard holders < study.spec.perItem else {
                    throw HumanError(.invalid, "pair \(pair) of study \(study.id) already has its \(study.spec.perItem) annotator(s); ask for the next pair")
                }
                try s.rows("INSERT INTO human_assignments(study_id, pair, annotator_id, assigned_at) VALUES(?, ?, ?, ?)", key + [.text(isoNow())])
            }
            let outcome = Outcome(verdict, bShownFirst: bFirst == 1)
            try s.rows("""
                INSERT INTO human_judgments(study_id, pair, annotator_id, verdict, outcome, comment, submission_key, created_at)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?)
                """, key + [.text(verdict.rawValue), .text(outcome.rawValue), comment.sql, .text(submissionKey), .text(isoNow())])
            return .recorded
        }
    }

    /// The annotator's progress: judgments made, out of those plus the pairs still open to them.
    public func progress(annotator: Annotator) throws -> StudyProgress {
        try store.read { s in
            try Self.progress(s, annotator: annotator, perItem: try StudyRows.study(s, id: annotator.studyID).spec.perItem)
        }
    }

    /// The study's progress: judgments made, out of pairs × K.
    public func progress(study: String) throws -> StudyProgress {
        try store.read { s in
            let st = try StudyRows.study(s, id: study)
            let done = try s.rows("SELECT COUNT(*) FROM human_judgments WHERE study_id = ?", [.text(study)])[0][0].int ?? 0
            return StudyProgress(done: done, total: st.pairCount * st.spec.perItem)
        }
    }

    static func progress(_ s: SQLSession, annotator: Annotator, perItem: Int) throws -> StudyProgress {
        let done = try s.rows("SELECT COUNT(*) FROM human_judgments WHERE study_id = ? AND annotator_id = ?",
                              [.text(annotator.studyID), .text(annotator.id)])[0][0].int ?? 0
        // Open to the annotator: every pair but those K others hold already (read from the assignments, not per pair).
        let pairs = try s.rows("SELECT COUNT(*) FROM human_pairs WHERE study_id = ?", [.text(annotator.studyID)])[0][0].int ?? 0
        let full = try s.rows("""
            SELECT COUNT(*) FROM (SELECT pair FROM human_assignments WHERE study_id = ? GROUP BY pair
                HAVING COUNT(*) >= ? AND SUM(CASE WHEN annotator_id = ? THEN 1 ELSE 0 END) = 0) AS taken
            """, [.text(annotator.studyID), .int(perItem), .text(annotator.id)])[0][0].int ?? 0
        return StudyProgress(done: done, total: max(pairs - full, done))
    }

    /// The judgments `annotator` made, by pair.
    public func judgments(annotator: Annotator) throws -> [Judgment] {
        try judgments(study: annotator.studyID).filter { $0.annotatorID == annotator.id }
    }

    /// Every judgment of a study, by pair then time.
    public func judgments(study: String) throws -> [Judgment] {
        try store.read { s in
            try s.rows("""
                SELECT j.pair, p.item_id, p.sample, p.lang, j.annotator_id, an.name, j.verdict, j.outcome, j.comment, j.created_at
                FROM human_judgments j JOIN human_pairs p ON p.study_id = j.study_id AND p.pair = j.pair
                JOIN human_annotators an ON an.id = j.annotator_id
                WHERE j.study_id = ? ORDER BY j.pair, j.created_at, j.annotator_id\(s.binaryOrder)
                """, [.text(study)]).map {
                Judgment(studyID: study, pair: $0[0].int ?? 0, itemID: $0[1].text ?? "", sample: $0[2].int ?? 0, language: $0[3].text ?? "",
                         annotatorID: $0[4].text ?? "", annotatorName: $0[5].text ?? "", verdict: Verdict(rawValue: $0[6].text ?? "") ?? .tie,
                         outcome: Outcome(rawValue: $0[7].text ?? "") ?? .tie, comment: $0[8].text, createdAt: $0[9].text ?? "")
            }
        }
    }
}
