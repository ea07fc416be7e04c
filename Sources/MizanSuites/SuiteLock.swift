import Foundation
import MizanCore

/// The release lock, `Prompts/suites.lock`: for every released suite version, the content hash it
/// was released with. A released version is immutable: changing its content without a version bump
/// is an error in `mizan validate`. Older versions stay runnable from `Prompts/<id>/versions/<version>/`.
public struct SuiteLock: Sendable, Equatable {
    /// Suite id → version → content hash.
    public var released: [String: [String: String]]
    /// Suite id → version → part hashes (prompt, metrics, generation, fewshot, items) when recorded.
    public var parts: [String: [String: [String: String]]] = [:]

    public init(released: [String: [String: String]] = [:]) { self.released = released }

    /// Records `suite` as released.
    public mutating func release(_ suite: Suite) {
        released[suite.id, default: [:]][suite.version] = suite.contentHash
        parts[suite.id, default: [:]][suite.version] = suite.partHashes
    }

    /// The lock file's path for a prompts folder.
    public static func path(promptsDir: String) -> String { (promptsDir as NSString).appendingPathComponent("suites.lock") }

    /// Reads the lock (an empty lock when the file does not exist).
    public static func load(promptsDir: String) throws -> SuiteLock {
        let file = path(promptsDir: promptsDir)
        guard let data = FileManager.default.contents(atPath: file) else { return SuiteLock() }
        guard case .object(let root)? = JSONValue.parse(String(decoding: data, as: UTF8.self)),
              case .object(let suites)? = root["suites"] else {
            throw InputError(file: file, problem: "not a mizan suite lock (expected {\"lock_version\": 1, \"suites\": {…}})",
                             remedy: "restore it from version control, or delete it and run `mizan suites lock`")
        }
        var lock = SuiteLock()
        for (id, versions) in suites {
            guard case .object(let v) = versions else { continue }
            for (version, entry) in v {
                switch entry {
                case .string(let hash): lock.released[id, default: [:]][version] = hash
                case .object(let o):
                    lock.released[id, default: [:]][version] = o["hash"]?.stringValue
                    if case .object(let p)? = o["parts"] { lock.parts[id, default: [:]][version] = p.compactMapValues(\.stringValue) }
                default: continue
                }
            }
        }
        return lock
    }

    /// Writes the lock with sorted keys, one suite per line (diff-friendly).
    public func write(promptsDir: String) throws {
        var lines = ["{", "  \"lock_version\": 1,", "  \"suites\": {"]
        let ids = released.keys.sorted()
        for (i, id) in ids.enumerated() {
            var entries: [String: JSONValue] = [:]
            for (version, hash) in released[id]! {
                var entry: [String: JSONValue] = ["hash": .string(hash)]
                if let p = parts[id]?[version] { entry["parts"] = .object(p.mapValues { .string($0) }) }
                entries[version] = .object(entry)
            }
            let versions = JSONValue.object(entries).canonicalJSON
            lines.append("    \(JSONValue.string(id).canonicalJSON): \(versions)" + (i < ids.count - 1 ? "," : ""))
        }
        lines += ["  }", "}", ""]
        try lines.joined(separator: "\n").write(toFile: SuiteLock.path(promptsDir: promptsDir), atomically: true, encoding: .utf8)
    }

    /// The problem with `suite` against the lock, if its released content changed.
    public func violation(_ suite: Suite, promptsDir: String) -> InputError? {
        guard let hash = released[suite.id]?[suite.version], hash != suite.contentHash else { return nil }
        var what = "its items, prompt, metrics or generation settings"
        if let old = parts[suite.id]?[suite.version] {
            let changed = Set(old.keys).union(suite.partHashes.keys).filter { old[$0] != suite.partHashes[$0] }.sorted()
            if !changed.isEmpty { what = "its " + changed.joined(separator: ", ") }
        }
        return InputError(file: (suite.path as NSString).appendingPathComponent("suite.yaml"), field: "version",
                          problem: "\(suite.id)@\(suite.version) was released with content hash \(hash.prefix(12)), "
                            + "but \(what) changed (now \(suite.contentHash.prefix(12)))",
                          remedy: "released versions are immutable: bump `version`, add a changelog line, keep the old version "
                            + "under \(suite.id)/versions/\(suite.version)/ and run `mizan suites lock` — or revert the change")
    }

    /// Whether this exact version is released.
    public func isReleased(_ suite: Suite) -> Bool { released[suite.id]?[suite.version] != nil }
}

/// Every suite folder under `Prompts/`, including archived versions, and version resolution.
public enum SuiteCatalog {
    /// Suite folders: `Prompts/<id>/` and each `Prompts/<id>/versions/<version>/`, sorted.
    public static func folders(promptsDir: String = "Prompts") -> [String] {
        var out: [String] = []
        for top in (try? SuiteLoader.discover(promptsDir: promptsDir)) ?? [] {
            out.append(top)
            let versionsDir = (top as NSString).appendingPathComponent("versions")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: versionsDir)) ?? []
            for v in names.sorted() {
                let folder = (versionsDir as NSString).appendingPathComponent(v)
                if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("suite.yaml")) { out.append(folder) }
            }
        }
        return out
    }

    /// Resolves `id`, `id@version`, or a folder path to a suite folder. `id` means the newest version
    /// (the top folder); `id@version` may name an archived version.
    public static func resolve(_ spec: String, promptsDir: String = "Prompts") throws -> String {
        guard let at = spec.lastIndex(of: "@"), !FileManager.default.fileExists(atPath: spec) else {
            return try SuiteLoader.resolve(spec, promptsDir: promptsDir)
        }
        let id = String(spec[..<at]), version = String(spec[spec.index(after: at)...])
        let top = try SuiteLoader.resolve(id, promptsDir: promptsDir)
        let candidates = [top, (top as NSString).appendingPathComponent("versions/\(version)")]
        var seen: [String] = []
        for folder in candidates where FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("suite.yaml")) {
            let header = try SuiteLoader.load(folder: folder)
            if header.version == version { return folder }
            seen.append(header.version)
        }
        let archived = ((try? FileManager.default.contentsOfDirectory(atPath: (top as NSString).appendingPathComponent("versions"))) ?? []).sorted()
        throw UsageError("suite \(id) has no version \(version); available: \((seen.prefix(1) + archived).joined(separator: ", "))")
    }
}
