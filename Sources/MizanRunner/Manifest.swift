import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanText

/// Builds the manifest stored with every run: everything needed to know what was measured.
enum Manifest {
    static func make(suite: Suite, items: [SuiteItem], endpoint: JSONValue, metrics: [any Metric],
                     harnessVersion: String, name: String?, retry: RetryPolicy, samples: Int = 1, seedBase: Int = 1) -> JSONValue {
        let languages = Set(items.map { suite.language(of: $0) }).sorted()
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
                "task": .string(suite.task.rawValue), "items_selected": .number(Double(items.count)),
                "items_total": .number(Double(suite.items.count)),
                "template_hash": .string(SHA256.hex((suite.system ?? "") + "\u{1F}" + suite.template)),
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
                                "git_commit": gitCommit().map { .string($0) } ?? .null]),
            "host": .object(["os": .string(ProcessInfo.processInfo.operatingSystemVersionString),
                             "cpus": .number(Double(ProcessInfo.processInfo.activeProcessorCount))]),
        ]
        if let name { o["name"] = .string(name) }
        return .object(o)
    }

    /// The mizan source commit: `$MIZAN_GIT_COMMIT`, else `git rev-parse HEAD` beside the executable.
    static func gitCommit() -> String? {
        if let c = ProcessInfo.processInfo.environment["MIZAN_GIT_COMMIT"] { return c }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", exe.path, "rev-parse", "HEAD"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let s = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
