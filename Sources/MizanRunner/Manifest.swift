import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanText

/// Builds the manifest stored with every run: everything needed to know what was measured.
enum Manifest {
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
                                "git_commit": gitCommit().map { .string($0) } ?? .null]),
            "host": .object(["os": .string(ProcessInfo.processInfo.operatingSystemVersionString),
                             "cpus": .number(Double(ProcessInfo.processInfo.activeProcessorCount))]),
        ]
        if let name { o["name"] = .string(name) }
        return .object(o)
    }

    /// `manifest` with its `cache` entry set: the mode asked for, whether reuse was on, and the
    /// number of items answered from the cache (added to what an earlier invocation recorded).
    static func withCache(_ manifest: JSONValue, mode: CacheMode, enabled: Bool, newHits: Int) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        let before = manifest["cache"]?["hits"]?.doubleValue ?? 0
        o["cache"] = .object(["mode": .string(mode.rawValue), "enabled": .bool(enabled), "hits": .number(before + Double(newHits))])
        return .object(o)
    }

    /// The mizan source commit: `$MIZAN_GIT_COMMIT`, else the repository holding the executable
    /// (read from `.git` directly — no `git` process on every run), else `git rev-parse HEAD` there.
    static func gitCommit() -> String? {
        if let c = ProcessInfo.processInfo.environment["MIZAN_GIT_COMMIT"] { return c }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        if let c = readGitHead(from: exe.path) { return c }
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

    /// HEAD's commit of the repository (or worktree) enclosing `folder`, from the files under `.git`;
    /// nil when anything is unusual (the caller then asks `git`).
    static func readGitHead(from folder: String) -> String? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func isHash(_ s: String) -> Bool { s.count == 40 && s.allSatisfy(\.isHexDigit) }
        var dir = folder as NSString
        var gitDir: String?
        while dir.length > 1 {
            let candidate = dir.appendingPathComponent(".git")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir) {
                if isDir.boolValue { gitDir = candidate } else if let text = read(candidate), text.hasPrefix("gitdir:") {
                    let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
                    gitDir = path.hasPrefix("/") ? path : dir.appendingPathComponent(path)
                }
                break
            }
            dir = dir.deletingLastPathComponent as NSString
        }
        guard let gitDir, let head = read(gitDir + "/HEAD") else { return nil }
        if isHash(head) { return head }
        guard head.hasPrefix("ref: ") else { return nil }
        let ref = String(head.dropFirst(5))
        var dirs = [gitDir]
        if let common = read(gitDir + "/commondir") {
            dirs.append(common.hasPrefix("/") ? common : (gitDir as NSString).appendingPathComponent(common))
        }
        for d in dirs {
            if let c = read(d + "/" + ref), isHash(c) { return c }
            if let packed = read(d + "/packed-refs") {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    let c = String(line.prefix(40))
                    if isHash(c) { return c }
                }
            }
        }
        return nil
    }
}
