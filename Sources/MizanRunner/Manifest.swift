import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanText

/// Builds the manifest stored with every run: everything needed to know what was measured.
enum Manifest {
    static func make(suite: Suite, languages: [LanguageTag], itemsSelected: Int, endpoint: JSONValue, metrics: [any Metric],
                     harnessVersion: String, name: String?, retry: RetryPolicy, samples: Int = 1, seedBase: Int = 1,
                     likelihood: RunManifest.Likelihood? = nil) -> RunManifest {
        var normalizers: [String: [String: String]] = [:]
        for tag in languages {
            normalizers[tag.description] = ["l0": Normalizers.make(.l0, for: tag).version, "l1": Normalizers.make(.l1, for: tag).version]
        }
        let g = suite.generation
        return RunManifest(
            manifestVersion: RunManifest.currentVersion, name: name,
            suite: RunManifest.SuiteInfo(id: suite.id, version: suite.version, hash: suite.contentHash, path: suite.path,
                                         language: suite.language.description, task: suite.task.rawValue, itemsSelected: itemsSelected,
                                         itemsTotal: suite.itemCount,
                                         templateHash: SHA256.hex((suite.system ?? "") + "\u{1F}" + suite.template),
                                         cluster: suite.cluster),
            endpoint: RunManifest.EndpointInfo(json: endpoint),
            generation: RunManifest.Generation(maxTokens: g.maxTokens, temperature: g.temperature, topP: g.topP, stop: g.stop, seed: g.seed),
            metrics: zip(suite.metrics, metrics).map { spec, metric in
                RunManifest.MetricEntry(name: spec.name, version: metric.version, options: spec.options)
            },
            normalizers: normalizers,
            retries: RunManifest.Retries(json: retry.manifest),
            samples: RunManifest.Samples(count: samples, seeds: samples > 1 ? (0..<samples).map { seedBase + $0 } : nil),
            harness: harness(harnessVersion),
            host: RunManifest.Host(os: ProcessInfo.processInfo.operatingSystemVersionString, cpus: ProcessInfo.processInfo.activeProcessorCount),
            likelihood: likelihood)
    }

    /// The `harness` entry of a manifest or rescore written by this mizan.
    static func harness(_ version: String) -> RunManifest.Harness {
        RunManifest.Harness(name: "mizan", version: version, gitCommit: gitCommit())
    }

    /// `manifest` with its `cache` entry set: the mode asked for, whether reuse was on, and the
    /// number of items answered from the cache (added to what an earlier invocation recorded).
    static func withCache(_ manifest: RunManifest, mode: CacheMode, enabled: Bool, newHits: Int) -> RunManifest {
        var m = manifest
        m.cache = RunManifest.Cache(mode: mode.rawValue, enabled: enabled, hits: (manifest.cache?.hits ?? 0) + newHits)
        return m
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
