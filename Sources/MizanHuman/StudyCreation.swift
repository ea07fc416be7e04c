import Foundation
import MizanCore
import MizanStore

/// Reads studies from their rows.
enum StudyRows {
    /// The `human_studies` columns `study` reads, then the pair count.
    static let columns = "id, spec, suite_id, created_at, (SELECT COUNT(*) FROM human_pairs p WHERE p.study_id = human_studies.id)"

    /// Studies matching `condition` (SQL after WHERE, or empty), newest first.
    static func studies(_ s: SQLSession, where condition: String, _ params: [SQLValue]) throws -> [Study] {
        let filter = condition.isEmpty ? "" : " WHERE " + condition
        return try s.rows("SELECT \(columns) FROM human_studies\(filter) ORDER BY created_at DESC, id\(s.binaryOrder) DESC", params).map(study)
    }

    /// One row as a study.
    static func study(_ row: [SQLValue]) throws -> Study {
        let spec = try JSONDecoder().decode(StudySpec.self, from: Data((row[1].text ?? "{}").utf8))
        return Study(id: row[0].text ?? "", spec: spec, suiteID: row[2].text ?? "", pairCount: row[4].int ?? 0, createdAt: row[3].text ?? "")
    }

    /// The study with this exact id.
    static func study(_ s: SQLSession, id: String) throws -> Study {
        guard let st = try studies(s, where: "id = ?", [.text(id)]).first else { throw HumanError(.notFound, "no study '\(id)'") }
        return st
    }

    /// The spec as stored (sorted keys).
    static func json(_ spec: StudySpec) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(spec), as: UTF8.self)
    }
}

/// Creating a study: pick the pairs, order them by the seed, store everything in one transaction.
struct StudyCreation {
    /// The store.
    let store: SQLResultStore
    /// What was asked.
    let spec: StudySpec

    /// Validates the spec, builds the pairs and stores the study.
    func create() throws -> CreatedStudy {
        let name = spec.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw HumanError(.invalid, "give the study a name") }
        guard spec.perItem >= 1 else { throw HumanError(.invalid, "annotators per pair must be 1 or more (got \(spec.perItem))") }
        if let limit = spec.limit, limit < 1 { throw HumanError(.invalid, "the pair limit must be 1 or more (got \(limit))") }
        let runA = try store.run(matching: spec.runA)
        let runB = try store.run(matching: spec.runB)
        if spec.kind == .pairwise && runA.id == runB.id {
            throw HumanError(.invalid, "a pairwise study needs two different runs (got \(runA.id) twice)")
        }
        let suite = spec.suite ?? runA.suiteID
        for r in [runA, runB] where r.suiteID != suite {
            throw HumanError(.invalid, "run \(r.id) is on suite \(r.suiteID), not \(suite); a study compares answers to the same items")
        }
        var full = spec
        full.name = name
        full.runA = runA.id
        full.runB = runB.id
        full.suite = suite
        // A drawn seed stays below 2^53, so it reads back exactly wherever the spec's JSON goes.
        full.seed = spec.seed ?? UInt64.random(in: 0..<(1 << 53))
        let pairs = try Self.pairs(store: store, runA: runA.id, runB: runB.id, language: spec.language, seed: full.seed ?? 0, limit: spec.limit)
        guard !pairs.isEmpty else {
            let lang = spec.language.map { " in language \($0)" } ?? ""
            throw HumanError(.invalid, "runs \(runA.id) and \(runB.id) have no answered item in common\(lang); nothing to judge")
        }
        let owner = Tokens.ownerToken()
        let study = Study(id: Tokens.id(prefix: "hs-"), spec: full, suiteID: suite, pairCount: pairs.count, createdAt: isoNow())
        try store.writeTransaction { s in
            try s.rows("""
                INSERT INTO human_studies(id, name, run_a, run_b, suite_id, language, per_item, show_reference, seed, owner_token_hash, created_at, spec)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(study.id), .text(name), .text(runA.id), .text(runB.id), .text(suite), full.language.sql, .int(full.perItem),
                      .int(full.showReference ? 1 : 0), .int(Int(bitPattern: UInt(full.seed ?? 0))), .text(Tokens.hash(owner)),
                      .text(study.createdAt), .text(try StudyRows.json(full))])
            for (i, p) in pairs.enumerated() {
                try s.rows("INSERT INTO human_pairs(study_id, pair, item_id, sample, lang, b_shown_first, position) VALUES(?, ?, ?, ?, ?, ?, ?)",
                           [.text(study.id), .int(i), .text(p.itemID), .int(p.sample), .text(p.language), .int(p.bShownFirst ? 1 : 0), .int(i)])
            }
        }
        return CreatedStudy(study: study, ownerToken: owner)
    }

    /// One pair before it is stored.
    struct PlannedPair: Hashable {
        var itemID: String, sample: Int, language: String, bShownFirst: Bool
    }

    /// The (item, sample)s both runs stored (for a review study: the run's items), in the language if given, sorted by
    /// (item id, sample), shuffled by a SplitMix64 seeded with `seed`, cut to `limit`; each then draws which answer comes first.
    static func pairs(store: SQLResultStore, runA: String, runB: String, language: String?, seed: UInt64, limit: Int?) throws -> [PlannedPair] {
        let rows = try store.read { s in
            try s.rows("""
                SELECT a.item_id, a.sample, a.lang FROM responses a JOIN responses b
                ON b.run_id = ? AND b.item_id = a.item_id AND b.sample = a.sample WHERE a.run_id = ?
                """, [.text(runB), .text(runA)])
        }
        var keys = rows.map { (id: $0[0].text ?? "", sample: $0[1].int ?? 0, lang: $0[2].text ?? "") }
        if let language { keys = keys.filter { $0.lang == language } }
        keys.sort { x, y in x.id == y.id ? x.sample < y.sample : x.id.unicodeScalars.lexicographicallyPrecedes(y.id.unicodeScalars) }
        var rng = SeededOrder(seed: seed)
        keys = rng.shuffled(keys)
        if let limit { keys = Array(keys.prefix(limit)) }
        return keys.map { PlannedPair(itemID: $0.id, sample: $0.sample, language: $0.lang, bShownFirst: rng.coin()) }
    }
}

/// The seeded order of a study (SplitMix64; Fisher–Yates), so a study's pairs and sides can be recomputed from its seed.
struct SeededOrder {
    private var state: UInt64
    /// Starts at `seed`.
    init(seed: UInt64) { state = seed }
    /// The next 64 bits (SplitMix64).
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in 0..<n (n > 0), by rejection so every value is equally likely.
    mutating func below(_ n: Int) -> Int {
        let bound = UInt64(n), limit = UInt64.max - UInt64.max % bound
        while true { let x = next(); if x < limit { return Int(x % bound) } }
    }
    /// A fair coin.
    mutating func coin() -> Bool { next() >> 63 == 1 }
    /// `xs` shuffled (Fisher–Yates from the end).
    mutating func shuffled<T>(_ xs: [T]) -> [T] {
        var a = xs
        var i = a.count - 1
        while i > 0 { a.swapAt(i, below(i + 1)); i -= 1 }
        return a
    }
}
