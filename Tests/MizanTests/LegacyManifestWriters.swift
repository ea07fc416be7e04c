import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanText

@testable import MizanRunner

/// The manifest writers as they were before the manifest got a type (commit 294431c, `Manifest.make`,
/// `Manifest.withCache`, `ShardSpec.annotate`, `Rescorer.recording`), building `JSONValue` by hand. Kept verbatim
/// (apart from the names) to pin the stored format: the typed writers must produce exactly this JSON.
enum LegacyManifestWriters {
    static func make(suite: Suite, languages: [LanguageTag], itemsSelected: Int, endpoint: JSONValue, metrics: [any Metric],
                     harnessVersion: String, name: String?, retry: RetryPolicy, samples: Int = 1, seedBase: Int = 1) -> JSONValue {
        var normalizers: [String: JSONValue] = [:]
        for tag in languages {
            normalizers[tag.description] = .object([
                "l0": .string(Normalizers.make(.l0, for: tag).version),
                "l1": .string(Normalizers.make(.l1, for: tag).version),
            ])
        }
        let g = suite.generation
        var o: [String: JSONValue] = [
            "manifest_version": .number(1),
            "suite": .object([
                "id": .string(suite.id), "version": .string(suite.version), "hash": .string(suite.contentHash),
                "path": .string(suite.path), "language": .string(suite.language.description),
                "task": .string(suite.task.rawValue), "items_selected": .number(Double(itemsSelected)),
                "items_total": .number(Double(suite.itemCount)),
                "template_hash": .string(SHA256.hex((suite.system ?? "") + "\u{1F}" + suite.template)),
                "cluster": suite.cluster.map { .string($0) } ?? .null,
            ]),
            "endpoint": endpoint,
            "generation": .object([
                "max_tokens": g.maxTokens.map { .number(Double($0)) } ?? .null,
                "temperature": g.temperature.map { .number($0) } ?? .null,
                "top_p": g.topP.map { .number($0) } ?? .null,
                "stop": .array(g.stop.map { .string($0) }),
                "seed": g.seed.map { .number(Double($0)) } ?? .null,
            ]),
            "metrics": .array(zip(suite.metrics, metrics).map { spec, metric in
                .object(["name": .string(spec.name), "version": .string(metric.version), "options": .object(spec.options)])
            }),
            "normalizers": .object(normalizers),
            "retries": retry.manifest,
            "samples": .object(["count": .number(Double(samples)),
                                "seeds": samples > 1 ? .array((0..<samples).map { .number(Double(seedBase + $0)) }) : .null]),
            "harness": .object(["name": .string("mizan"), "version": .string(harnessVersion),
                                "git_commit": Manifest.gitCommit().map { .string($0) } ?? .null]),
            "host": .object(["os": .string(ProcessInfo.processInfo.operatingSystemVersionString),
                             "cpus": .number(Double(ProcessInfo.processInfo.activeProcessorCount))]),
        ]
        if let name { o["name"] = .string(name) }
        return .object(o)
    }

    static func withCache(_ manifest: JSONValue, mode: CacheMode, enabled: Bool, newHits: Int) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        let before = manifest["cache"]?["hits"]?.doubleValue ?? 0
        o["cache"] = .object(["mode": .string(mode.rawValue), "enabled": .bool(enabled), "hits": .number(before + Double(newHits))])
        return .object(o)
    }

    static func annotate(_ manifest: JSONValue, shards count: Int) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        o["shards"] = .object(["count": .number(Double(count))])
        return .object(o)
    }

    static func recording(_ entries: [JSONValue], in manifest: JSONValue, at: String, scored: Int, skipped: Int,
                          harnessVersion: String) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        var metrics: [JSONValue] = []
        if case .array(let a)? = o["metrics"] { metrics = a }
        for entry in entries {
            if let i = metrics.firstIndex(where: { $0["name"] == entry["name"] }) { metrics[i] = entry } else { metrics.append(entry) }
        }
        o["metrics"] = .array(metrics)
        var rescores: [JSONValue] = []
        if case .array(let a)? = o["rescores"] { rescores = a }
        rescores.append(.object([
            "at": .string(at), "metrics": .array(entries), "items_scored": .number(Double(scored)),
            "items_skipped": .number(Double(skipped)),
            "harness": .object(["name": .string("mizan"), "version": .string(harnessVersion),
                                "git_commit": Manifest.gitCommit().map { .string($0) } ?? .null]),
        ]))
        o["rescores"] = .array(rescores)
        return .object(o)
    }
}
