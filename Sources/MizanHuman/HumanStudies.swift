import Foundation
import MizanCore
import MizanStore

/// The human-evaluation API over a store (SQLite or PostgreSQL): studies, annotators and their tokens, pairs,
/// judgments, suite reviews, and the statistics (`results`, `preference`). The web app (`mizan serve`) and the CLI
/// (`mizan human …`, `mizan review export`, `mizan compare`, `mizan gate`) both go through it, so they show the same
/// numbers. Every write is one transaction; see docs/human-evaluation.md for the lifecycle and the token model.
public final class HumanStudies: Sendable {
    /// The store (its SQL runs under the store's own lock).
    let store: SQLResultStore

    /// Human studies kept in `store`, which must be a SQLite or PostgreSQL store (the tables come with its migrations).
    public init(store: any ResultStore) throws {
        guard let sql = store as? SQLResultStore else {
            throw HumanError(.invalid, "human studies need a SQLite or PostgreSQL store")
        }
        self.store = sql
    }

    // MARK: Studies

    /// Creates a study from two runs: their common (item, sample) answers, filtered by suite and language, in a seeded
    /// random order, each pair showing run B's answer first or second by the same seed (both recorded). Returns the
    /// study and its owner token (shown once). Throws when a run is unknown, the runs are on different suites, or no
    /// item is left.
    public func createStudy(_ spec: StudySpec) throws -> CreatedStudy {
        try StudyCreation(store: store, spec: spec).create()
    }

    /// Every study, newest first.
    public func studies() throws -> [Study] {
        try store.read { s in try StudyRows.studies(s, where: "", []) }
    }

    /// The study whose id equals or uniquely starts with `idOrName`, or whose name equals it.
    public func study(matching idOrName: String) throws -> Study {
        let all = try studies()
        if let exact = all.first(where: { $0.id == idOrName }) { return exact }
        let found = all.filter { $0.id.hasPrefix(idOrName) || $0.spec.name == idOrName }
        guard found.count == 1 else {
            throw HumanError(found.isEmpty ? .notFound : .invalid, found.isEmpty
                ? "no study '\(idOrName)' in store '\(store.placeDescription)'; create one with `\(CLICommand.humanNew) \(CLIFlag.runs) A B \(CLIFlag.name) NAME`"
                : "study '\(idOrName)' is ambiguous (\(found.count) studies match); give its id")
        }
        return found[0]
    }

    /// The pairwise studies between two runs, in either order (full run ids).
    public func studies(between runA: String, and runB: String) throws -> [Study] {
        try studies().filter { $0.spec.kind == .pairwise && Set([$0.runA, $0.runB]) == Set([runA, runB]) }
    }

    /// The web app's path of a study's page (`mizan serve` serves it; the owner token opens its admin view).
    public static func studyPath(_ id: String) -> String { "/studies/\(id)" }

    // MARK: Tokens

    /// True when `token` is `study`'s owner token.
    public func isOwner(study: String, token: String) throws -> Bool {
        let stored = try store.read { s in
            try s.rows("SELECT owner_token_hash FROM human_studies WHERE id = ?", [.text(study)]).first?[0].text
        }
        guard let stored else { return false }
        return Tokens.equal(stored, Tokens.hash(token))
    }

    /// Throws `HumanError.forbidden` unless `token` is `study`'s owner token (admin actions).
    public func authorizeOwner(study: String, token: String) throws {
        guard try isOwner(study: study, token: token) else {
            throw HumanError(.forbidden, "this token is not the owner token of study \(study)")
        }
    }

    /// Adds annotators by name; returns each one's token, in clear only here (the store keeps its SHA-256 hash).
    public func addAnnotators(study: String, names: [String]) throws -> [IssuedToken] {
        let names = names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
            throw HumanError(.invalid, "give each annotator a non-empty name")
        }
        let now = isoNow()
        return try store.writeTransaction { s in
            guard try !s.rows("SELECT id FROM human_studies WHERE id = ?", [.text(study)]).isEmpty else {
                throw HumanError(.notFound, "no study '\(study)'")
            }
            let first = try s.rows("SELECT COUNT(*) FROM human_annotators WHERE study_id = ?", [.text(study)])[0][0].int ?? 0
            return try names.enumerated().map { i, name in
                let token = Tokens.annotatorToken()
                let a = Annotator(id: Tokens.id(prefix: "ha-"), studyID: study, name: name, createdAt: now)
                try s.rows("INSERT INTO human_annotators(id, study_id, name, token_hash, position, created_at) VALUES(?, ?, ?, ?, ?, ?)",
                           [.text(a.id), .text(study), .text(name), .text(Tokens.hash(token)), .int(first + i), .text(now)])
                return IssuedToken(annotator: a, token: token)
            }
        }
    }

    /// The annotators of a study, in the order they were added.
    public func annotators(study: String) throws -> [Annotator] {
        try store.read { s in
            try s.rows("SELECT id, study_id, name, created_at FROM human_annotators WHERE study_id = ? ORDER BY position",
                       [.text(study)]).map { Annotator(id: $0[0].text ?? "", studyID: $0[1].text ?? "", name: $0[2].text ?? "", createdAt: $0[3].text ?? "") }
        }
    }

    /// The annotator a token belongs to (the token opens only that annotator's study), or nil for an unknown token.
    public func authenticate(token: String) throws -> Annotator? {
        try store.read { s in
            try s.rows("SELECT id, study_id, name, created_at FROM human_annotators WHERE token_hash = ?", [.text(Tokens.hash(token))]).first.map {
                Annotator(id: $0[0].text ?? "", studyID: $0[1].text ?? "", name: $0[2].text ?? "", createdAt: $0[3].text ?? "")
            }
        }
    }
}
