import Foundation
import MizanCore
import MizanSuites

/// What the reviews of an item decide (`ReviewExport.decide`).
public struct ItemDecision: Sendable, Hashable {
    /// Item id.
    public var itemID: String
    /// The accepted decision: `fix` or `remove` (items kept as they are have no decision).
    public var decision: ReviewDecision
    /// The accepted input, for a fix that changes it.
    public var input: String?
    /// The accepted reference, for a fix that changes it.
    public var reference: String?
    /// The reviewers of the item (credited).
    public var reviewers: [String]

    /// A decision.
    public init(itemID: String, decision: ReviewDecision, input: String? = nil, reference: String? = nil, reviewers: [String]) {
        self.itemID = itemID
        self.decision = decision
        self.input = input
        self.reference = reference
        self.reviewers = reviewers
    }
}

/// What `mizan review export` wrote.
public struct ReviewExportResult: Sendable, Hashable {
    /// Suite id.
    public var suiteID: String
    /// The reviewed version, now archived under `versions/`.
    public var fromVersion: String
    /// The new version.
    public var toVersion: String
    /// Items fixed.
    public var fixed: [String]
    /// Items removed.
    public var removed: [String]
    /// Reviewers credited.
    public var reviewers: [String]
    /// The changelog line added.
    public var changelog: String
}

/// Turns accepted review corrections into a new suite version through the normal versioning: the reviewed version is
/// copied to `Prompts/<id>/versions/<version>/`, the suite's items are corrected, `version` is bumped (minor), a
/// changelog line credits the reviewers, and `Prompts/suites.lock` records both versions.
public enum ReviewExport {
    /// The accepted decisions from `reviews` (one per reviewer and item): an item's decision is the one more than half
    /// of its reviewers chose; a `fix` takes the suggested input and reference that most of the fixing reviewers
    /// suggested (the latest review on a draw). No majority, or a majority of `ok`, leaves the item as it is.
    public static func decide(_ reviews: [Review]) -> [ItemDecision] {
        let byItem = Dictionary(grouping: reviews, by: \.itemID)
        return byItem.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }.compactMap { id -> ItemDecision? in
            let rs = byItem[id]!.sorted { $0.createdAt < $1.createdAt }
            let counts = Dictionary(grouping: rs, by: \.submission.decision).mapValues(\.count)
            guard let (decision, n) = counts.max(by: { $0.value < $1.value }), 2 * n > rs.count, decision != .ok else { return nil }
            let reviewers = rs.map(\.reviewer)
            guard decision == .fix else { return ItemDecision(itemID: id, decision: .remove, reviewers: reviewers) }
            func common(_ values: [String]) -> String? {
                let c = Dictionary(grouping: values, by: { $0 }).mapValues(\.count)
                guard let top = c.values.max() else { return nil }
                return values.last { c[$0] == top }
            }
            let fixes = rs.filter { $0.submission.decision == .fix }
            return ItemDecision(itemID: id, decision: .fix, input: common(fixes.compactMap(\.submission.suggestedInput)),
                                reference: common(fixes.compactMap(\.submission.suggestedReference)), reviewers: reviewers)
        }
    }

    /// `version` with its minor number bumped (`1.2.3` → `1.3.0`); nil when it is not `major.minor.patch`.
    public static func bumped(_ version: String) -> String? {
        let parts = version.split(separator: ".").map { Int($0) }
        guard parts.count == 3, let major = parts[0], let minor = parts[1] else { return nil }
        return "\(major).\(minor + 1).0"
    }

    /// Writes the new version of the suite `suiteFolder` (its top folder under `promptsDir`) from `reviews` of its
    /// current version. Throws, writing nothing, when no correction is accepted, the version is not `x.y.z`, the
    /// archive folder exists, or the corrected suite does not load.
    public static func export(suiteFolder: String, promptsDir: String, reviews: [Review]) throws -> ReviewExportResult {
        let suite = try SuiteLoader.load(folder: suiteFolder)
        let yamlPath = (suiteFolder as NSString).appendingPathComponent("suite.yaml")
        let decisions = decide(reviews.filter { $0.suiteID == suite.id && $0.suiteVersion == suite.version })
        guard !decisions.isEmpty else {
            throw UsageError("no accepted correction for \(suite.id)@\(suite.version): an item changes when more than half of its reviewers "
                + "chose fix or remove (\(reviews.count) review(s) found)")
        }
        guard let next = bumped(suite.version) else {
            throw InputError(file: yamlPath, field: "version", problem: "version '\(suite.version)' is not major.minor.patch",
                             remedy: "bump the version by hand, then export again")
        }
        let archive = (suiteFolder as NSString).appendingPathComponent("versions/\(suite.version)")
        guard !FileManager.default.fileExists(atPath: archive) else {
            throw UsageError("\(archive) already exists: version \(suite.version) was archived before; check the suite's version")
        }
        let itemsPath = (suiteFolder as NSString).appendingPathComponent("items.jsonl")
        let byID = Dictionary(uniqueKeysWithValues: decisions.map { ($0.itemID, $0) })
        var kept: [String] = []
        for line in try String(contentsOfFile: itemsPath, encoding: .utf8).components(separatedBy: "\n") {
            guard case .object(var o)? = JSONValue.parse(line), let id = o["id"]?.stringValue, let d = byID[id] else {
                if !line.isEmpty { kept.append(line) }
                continue
            }
            if d.decision == .remove { continue }
            if let input = d.input { o["input"] = .string(input) }
            if let reference = d.reference { o["reference"] = .string(reference); o["references"] = nil }
            kept.append(JSONValue.object(o).canonicalJSON)
        }
        let reviewers = Set(decisions.flatMap(\.reviewers)).sorted()
        let fixed = decisions.filter { $0.decision == .fix }.map(\.itemID), removed = decisions.filter { $0.decision == .remove }.map(\.itemID)
        let line = "\(next): native-speaker review: \(fixed.count) item(s) corrected, \(removed.count) removed; reviewed by \(reviewers.joined(separator: ", "))"
        let yaml = try withChangelog(try String(contentsOfFile: yamlPath, encoding: .utf8), version: next, line: line, file: yamlPath)

        // Stage the whole new version beside the suite, check that it loads, then move things into place.
        let fm = FileManager.default
        let staging = (promptsDir as NSString).appendingPathComponent(".review-export-\(suite.id)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: staging) }
        for name in try fm.contentsOfDirectory(atPath: suiteFolder) where name != "versions" {
            try fm.copyItem(atPath: (suiteFolder as NSString).appendingPathComponent(name), toPath: (staging as NSString).appendingPathComponent(name))
        }
        try (kept.joined(separator: "\n") + "\n").write(toFile: (staging as NSString).appendingPathComponent("items.jsonl"), atomically: true, encoding: .utf8)
        try yaml.write(toFile: (staging as NSString).appendingPathComponent("suite.yaml"), atomically: true, encoding: .utf8)
        let corrected = try SuiteLoader.load(folder: staging)
        var lock = try SuiteLock.load(promptsDir: promptsDir)
        if let v = lock.violation(suite, promptsDir: promptsDir) { throw v }

        try fm.createDirectory(atPath: (archive as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: archive, withIntermediateDirectories: false)
        for name in try fm.contentsOfDirectory(atPath: suiteFolder) where name != "versions" {
            try fm.copyItem(atPath: (suiteFolder as NSString).appendingPathComponent(name), toPath: (archive as NSString).appendingPathComponent(name))
        }
        // rename(2) within one file system: each file is replaced whole (the staging folder is inside the prompts folder).
        for name in ["items.jsonl", "suite.yaml"] {
            let from = (staging as NSString).appendingPathComponent(name), to = (suiteFolder as NSString).appendingPathComponent(name)
            guard rename(from, to) == 0 else {
                throw UsageError("cannot replace \(to): \(String(cString: strerror(errno))); version \(suite.version) is archived under \(archive)")
            }
        }
        if !lock.isReleased(suite) { lock.release(suite) }
        var released = corrected
        released.path = suiteFolder
        lock.release(released)
        try lock.write(promptsDir: promptsDir)
        return ReviewExportResult(suiteID: suite.id, fromVersion: suite.version, toVersion: next, fixed: fixed, removed: removed,
                                  reviewers: reviewers, changelog: line)
    }

    /// `yaml` with `version:` set to `version` and `line` appended to `changelog:` (created after `version:` if absent).
    static func withChangelog(_ yaml: String, version: String, line: String, file: String) throws -> String {
        var lines = yaml.components(separatedBy: "\n")
        guard let v = lines.firstIndex(where: { $0.hasPrefix("version:") }) else {
            throw InputError(file: file, field: "version", problem: "no top-level `version:` line", remedy: "add one")
        }
        lines[v] = "version: \(version)"
        let entry = "  - " + JSONValue.string(line).canonicalJSON
        if let c = lines.firstIndex(where: { $0.hasPrefix("changelog:") }) {
            guard lines[c].trimmingCharacters(in: .whitespaces) == "changelog:" else {
                throw InputError(file: file, field: "changelog", problem: "the changelog is not a block list (`changelog:` then `  - …` lines)",
                                 remedy: "write it as a block list, then export again")
            }
            var end = c + 1
            while end < lines.count, lines[end].hasPrefix("  ") || lines[end].hasPrefix("- ") { end += 1 }
            lines.insert(entry, at: end)
        } else {
            lines.insert(contentsOf: ["changelog:", entry], at: v + 1)
        }
        return lines.joined(separator: "\n")
    }
}
