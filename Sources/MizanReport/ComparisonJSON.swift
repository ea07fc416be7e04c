import MizanCore
import MizanMetrics

/// The `mizan.comparison` JSON document (schema version 1, documented field by field in docs/comparison-json.md).
public enum ComparisonJSON {
    /// Schema name written in the `schema` field.
    public static let schema = "mizan.comparison"
    /// Bumped whenever a field changes meaning or is removed (adding fields keeps the version).
    public static let schemaVersion = 2

    /// The comparison as JSON: raw numbers, nulls for absent values.
    public static func render(_ c: Comparison) -> JSONValue {
        func n(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        func int(_ x: Int) -> JSONValue { .number(Double(x)) }
        let columns: [JSONValue] = c.columns.enumerated().map { i, col in
            .object([
                "index": int(i), "label": .string(col.label), "reference": .bool(i == c.reference),
                "runs": .array(col.runs.map { r in
                    .object(["id": .string(r.id), "suite": .string(r.suiteID), "suite_version": .string(r.suiteVersion),
                             "suite_hash": .string(r.suiteHash), "endpoint": .string(r.endpoint), "model": .string(r.model),
                             "status": .string(r.status.rawValue), "started_at": .string(r.startedAt),
                             "name": r.runManifest.name.map(JSONValue.string) ?? .null,
                             "generation": r.runManifest.generation?.json ?? .null])
                }),
                "performance": .object(["all": col.performance.json,
                                        "by_language": .object(col.performanceByLanguage.mapValues(\.json)),
                                        "by_suite": .object(col.performanceBySuite.mapValues(\.json))]),
            ])
        }
        let rows: [JSONValue] = c.rows.map { row in
            .object([
                "suite": .string(row.suite), "suite_label": .string(row.suiteLabel), "language": .string(row.language),
                "metric": .string(row.metric), "direction": .string(row.direction.rawValue),
                "cells": .array(row.cells.enumerated().map { i, cell in
                    guard let cell else { return .null }
                    return .object(["mean": .number(cell.mean), "ci95": SummaryTables.ciJSON(cell.low, cell.high), "n": int(cell.n),
                                    "ci_method": .string(cell.method.rawValue), "clusters": cell.clusters.map(int) ?? .null,
                                    "corpus": n(row.corpus.indices.contains(i) ? row.corpus[i] : nil),
                                    "corpus_test": corpusTest(row.corpusTests.indices.contains(i) ? row.corpusTests[i] : nil)])
                }),
                "differences": .array(row.differences.map { d in
                    guard let d else { return .null }
                    var o: [String: JSONValue] = ["n": int(d.n), "mean": .number(d.mean), "ci95": SummaryTables.ciJSON(d.low, d.high),
                                                  "ci_method": .string(d.method.rawValue), "clusters": d.clusters.map(int) ?? .null,
                                                  "p_value": .number(d.pValue), "test": .string(d.test),
                                                  "significant": .bool(d.isSignificant(alpha: c.alpha))]
                    if let k = d.discordant {
                        o["discordant"] = .object(["reference_only": int(k.referenceOnly), "candidate_only": int(k.candidateOnly)])
                    }
                    return .object(o)
                }),
            ])
        }
        return .object([
            "schema": .string(schema), "schema_version": int(schemaVersion),
            "reference": int(c.reference), "alpha": .number(c.alpha), "permutations": int(c.permutations),
            "seed": .string(String(c.seed)),
            "columns": .array(columns), "rows": .array(rows),
            "coverage": .array(c.coverage.map { cov in
                .object(["suite": .string(cov.suite), "common_items": int(cov.commonItems),
                         "dropped": .array(cov.dropped.map { $0.map(int) ?? .null })])
            }),
            "incomparabilities": .array(c.incomparabilities.map { d in
                .object(["suite": .string(d.suite), "field": .string(d.field),
                         "values": .object(d.values.mapValues { .string($0) })])
            }),
            "cautions": .array(c.cautions.map { d in
                .object(["suite": .string(d.suite), "field": .string(d.field),
                         "values": .object(d.values.mapValues { .string($0) }), "note": .string(ComparisonTables.cautionText(d))])
            }),
            "suite_figures": .array(c.suiteFigures.map { row in
                .object(["suite": .string(row.suite), "suite_label": .string(row.suiteLabel), "language": .string(row.language),
                         "figure": .string(row.figure), "direction": .string(row.direction.rawValue),
                         "values": .array(row.values.map { $0?.json ?? .null }),
                         "differences": .array(row.differences.map(n))])
            }),
        ])
    }

    /// A corpus metric's paired bootstrap in a cell: sacrebleu's `--paired-bs` numbers (p_value null for the reference).
    static func corpusTest(_ r: PairedResult?) -> JSONValue {
        guard let r else { return .null }
        return .object(["test": .string("paired-bootstrap"), "resamples": .number(Double(PairedTestKind.bootstrap.defaultSamples)),
                        "seed": .number(Double(PairedSignificance.defaultSeed)), "score": .number(r.score),
                        "mean": r.mean.map(JSONValue.number) ?? .null, "ci95_half_width": r.ci.map(JSONValue.number) ?? .null,
                        "p_value": r.pValue.map(JSONValue.number) ?? .null])
    }
}
