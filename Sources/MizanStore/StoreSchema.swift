/// One migration of the store schema, as each backend runs it.
struct SchemaStep: Sendable {
    /// The SQL SQLite runs.
    let sqlite: String
    /// The SQL PostgreSQL runs.
    let postgres: String

    /// A step both stores run alike, written with SQLite's types (`PostgresDialect.types` maps them);
    /// `postgresFirst` is PostgreSQL-only SQL run before it.
    static func shared(_ sql: String, postgresFirst: String = "") -> SchemaStep {
        SchemaStep(sqlite: sql, postgres: postgresFirst + PostgresDialect().types(sql))
    }

    /// A step that only concerns SQLite; PostgreSQL records the version and does nothing.
    static func sqliteOnly(_ sql: String) -> SchemaStep { SchemaStep(sqlite: sql, postgres: "SELECT 1;") }

    /// A step each backend writes its own way (same resulting tables, columns and primary keys).
    static func each(sqlite: String, postgres: String) -> SchemaStep { SchemaStep(sqlite: sqlite, postgres: postgres) }
}

/// The store schema shared by `SQLiteStore` and `PostgresStore`: one list of numbered migrations, applied in
/// order when a store is opened and recorded in `schema_migrations`. Released steps are never edited; a change
/// is a new step (see CONTRIBUTING.md, "Add a store migration").
enum StoreSchema {
    /// The version table, with SQLite's types.
    static let versionTable = "CREATE TABLE IF NOT EXISTS schema_migrations(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"

    /// Every migration, version 1 first.
    static let steps: [SchemaStep] = [
        .shared("""
            CREATE TABLE runs(
                id TEXT PRIMARY KEY, suite_id TEXT NOT NULL, suite_version TEXT NOT NULL, suite_hash TEXT NOT NULL,
                endpoint TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
                finished_at TEXT, item_count INTEGER NOT NULL, manifest TEXT NOT NULL);
            CREATE TABLE responses(
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL, seq INTEGER NOT NULL,
                lang TEXT NOT NULL, request_hash TEXT NOT NULL, prompt TEXT NOT NULL, output TEXT,
                http_status INTEGER NOT NULL, latency REAL NOT NULL, ttft REAL, prompt_tokens INTEGER,
                completion_tokens INTEGER, finish_reason TEXT, error_kind TEXT, error_message TEXT, raw_body TEXT,
                refs TEXT NOT NULL, choices TEXT, answer_index INTEGER, fields TEXT NOT NULL,
                PRIMARY KEY(run_id, item_id));
            CREATE TABLE scores(
                run_id TEXT NOT NULL, item_id TEXT NOT NULL, metric TEXT NOT NULL, metric_version TEXT NOT NULL,
                value REAL, details TEXT NOT NULL, error TEXT,
                PRIMARY KEY(run_id, item_id, metric),
                FOREIGN KEY(run_id, item_id) REFERENCES responses(run_id, item_id) ON DELETE CASCADE);
            CREATE INDEX responses_request_hash ON responses(request_hash);
            """,
            // PostgreSQL numbers responses in storage order with one sequence across processes.
            postgresFirst: "CREATE SEQUENCE responses_seq;\n"),
        .shared("ALTER TABLE responses ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;"),
        // 3: several samples per item: `sample` joins the primary keys of scores and responses. SQLite cannot alter a
        // primary key: scores move first (their foreign key pointed at responses), then responses are rebuilt.
        .each(
            sqlite: """
                CREATE TABLE scores_v3(
                    run_id TEXT NOT NULL, item_id TEXT NOT NULL, sample INTEGER NOT NULL DEFAULT 0, metric TEXT NOT NULL,
                    metric_version TEXT NOT NULL, value REAL, details TEXT NOT NULL, error TEXT,
                    PRIMARY KEY(run_id, item_id, sample, metric));
                INSERT INTO scores_v3(run_id, item_id, sample, metric, metric_version, value, details, error)
                    SELECT run_id, item_id, 0, metric, metric_version, value, details, error FROM scores;
                DROP TABLE scores;
                CREATE TABLE responses_v3(
                    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, item_id TEXT NOT NULL, sample INTEGER NOT NULL DEFAULT 0,
                    seq INTEGER NOT NULL, lang TEXT NOT NULL, request_hash TEXT NOT NULL, prompt TEXT NOT NULL, output TEXT,
                    http_status INTEGER NOT NULL, latency REAL NOT NULL, ttft REAL, prompt_tokens INTEGER,
                    completion_tokens INTEGER, finish_reason TEXT, error_kind TEXT, error_message TEXT, raw_body TEXT,
                    refs TEXT NOT NULL, choices TEXT, answer_index INTEGER, fields TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY(run_id, item_id, sample));
                INSERT INTO responses_v3 SELECT run_id, item_id, 0, seq, lang, request_hash, prompt, output, http_status, latency, ttft,
                    prompt_tokens, completion_tokens, finish_reason, error_kind, error_message, raw_body, refs, choices, answer_index,
                    fields, attempts FROM responses;
                DROP TABLE responses;
                ALTER TABLE responses_v3 RENAME TO responses;
                ALTER TABLE scores_v3 RENAME TO scores;
                CREATE INDEX responses_request_hash ON responses(request_hash);
                """,
            postgres: """
                ALTER TABLE scores DROP CONSTRAINT scores_run_id_item_id_fkey;
                ALTER TABLE scores ADD COLUMN sample BIGINT NOT NULL DEFAULT 0;
                ALTER TABLE scores DROP CONSTRAINT scores_pkey, ADD PRIMARY KEY(run_id, item_id, sample, metric);
                ALTER TABLE responses ADD COLUMN sample BIGINT NOT NULL DEFAULT 0;
                ALTER TABLE responses DROP CONSTRAINT responses_pkey, ADD PRIMARY KEY(run_id, item_id, sample);
                """),
        // 4: shard reports of sharded runs (`mizan run --shard i/n`).
        .shared("""
            CREATE TABLE run_shards(
                run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, shard INTEGER NOT NULL, shard_count INTEGER NOT NULL,
                item_count INTEGER NOT NULL, status TEXT NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
                PRIMARY KEY(run_id, shard));
            """),
        // 5: SQLite's response-cache look-up table, filled after each run instead of on every insert (see
        // `SQLiteStore.catchUpResponseCache`): an index on the random request hashes dirtied one page per item per
        // commit and was 70% of the bytes a run wrote. PostgreSQL keeps its index (its writes are row by row).
        .sqliteOnly("""
            DROP INDEX responses_request_hash;
            CREATE TABLE response_cache(
                request_hash TEXT NOT NULL, response_rowid INTEGER NOT NULL, PRIMARY KEY(request_hash, response_rowid)) WITHOUT ROWID;
            CREATE TABLE response_cache_state(indexed_upto INTEGER NOT NULL);
            INSERT INTO response_cache_state VALUES(0);
            """),
        // 6: whether an item's answer was reused from the response cache, and from which run. Before, a reused
        // answer was stored with attempts 0 (nothing else stores 0) and a copy of the original run's latency and
        // TTFT: such rows become reused with an unknown origin, and lose the copied measurements, which belong to
        // the run that made the request.
        .shared("""
            ALTER TABLE responses ADD COLUMN reused INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE responses ADD COLUMN reused_from TEXT;
            UPDATE responses SET reused = 1, latency = 0, ttft = NULL WHERE attempts = 0;
            """),
        // 7: human evaluation (module MizanHuman, docs/human-evaluation.md): pairwise studies between two runs, their
        // annotators (tokens kept only as SHA-256 hashes), pairs (item × sample, presentation order recorded),
        // assignments, judgments (one per pair and annotator; a submission key makes a resent form a no-op), and
        // native speakers' reviews of suite items.
        .shared("""
            CREATE TABLE human_studies(
                id TEXT PRIMARY KEY, name TEXT NOT NULL, run_a TEXT NOT NULL, run_b TEXT NOT NULL, suite_id TEXT NOT NULL,
                language TEXT, per_item INTEGER NOT NULL, show_reference INTEGER NOT NULL, seed INTEGER NOT NULL,
                owner_token_hash TEXT NOT NULL, created_at TEXT NOT NULL, spec TEXT NOT NULL);
            CREATE TABLE human_annotators(
                id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES human_studies(id) ON DELETE CASCADE,
                name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, position INTEGER NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE human_pairs(
                study_id TEXT NOT NULL REFERENCES human_studies(id) ON DELETE CASCADE, pair INTEGER NOT NULL,
                item_id TEXT NOT NULL, sample INTEGER NOT NULL, lang TEXT NOT NULL, b_shown_first INTEGER NOT NULL,
                position INTEGER NOT NULL, PRIMARY KEY(study_id, pair));
            CREATE TABLE human_assignments(
                study_id TEXT NOT NULL, pair INTEGER NOT NULL, annotator_id TEXT NOT NULL REFERENCES human_annotators(id) ON DELETE CASCADE,
                assigned_at TEXT NOT NULL, PRIMARY KEY(study_id, pair, annotator_id),
                FOREIGN KEY(study_id, pair) REFERENCES human_pairs(study_id, pair) ON DELETE CASCADE);
            CREATE TABLE human_judgments(
                study_id TEXT NOT NULL, pair INTEGER NOT NULL, annotator_id TEXT NOT NULL REFERENCES human_annotators(id) ON DELETE CASCADE,
                verdict TEXT NOT NULL, outcome TEXT NOT NULL, comment TEXT, submission_key TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
                PRIMARY KEY(study_id, pair, annotator_id),
                FOREIGN KEY(study_id, pair) REFERENCES human_pairs(study_id, pair) ON DELETE CASCADE);
            CREATE TABLE suite_reviews(
                suite_id TEXT NOT NULL, suite_version TEXT NOT NULL, item_id TEXT NOT NULL, reviewer TEXT NOT NULL,
                decision TEXT NOT NULL, suggested_input TEXT, suggested_reference TEXT, comment TEXT, study_id TEXT,
                created_at TEXT NOT NULL, PRIMARY KEY(suite_id, suite_version, item_id, reviewer));
            CREATE INDEX human_studies_runs ON human_studies(run_a, run_b);
            """),
    ]
}
