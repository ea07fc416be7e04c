import Foundation
import MizanCore
import MizanStore

/// What `mizan compare --suite …` groups runs by: the run name when the run has one, within its endpoint, else the
/// endpoint. Two builds or settings served behind the same URL are told apart by their names; unnamed runs keep the
/// old rule (one column per endpoint); the same name on two endpoints stays two columns (labelled with run ids).
struct RunGroup: Hashable {
    /// The endpoint name (or URL) the run used.
    var endpoint: String
    /// The run's name, nil for an unnamed run.
    var name: String?

    init(_ run: RunRecord) {
        endpoint = run.endpoint
        let name = run.runManifest.name
        self.name = (name?.isEmpty ?? true) ? nil : name
    }
}

/// A `--suite` value: `id` or `id@version`.
struct SuiteSelector {
    /// Suite id.
    var id: String
    /// Suite version, if one was given.
    var version: String?

    init(_ text: String) {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        id = parts.first ?? text
        version = parts.count > 1 ? parts[1] : nil
    }

    /// Whether `run` is a run of this suite (and version).
    func matches(_ run: RunRecord) -> Bool { run.suiteID == id && (version == nil || run.suiteVersion == version) }
}

extension CompareCommand {
    /// The runs named on the command line, or picked by suite, run name and endpoint.
    func selectRuns(_ store: any ResultStore) throws -> [RunRecord] {
        if !runIDs.isEmpty {
            guard suites.isEmpty && endpoints.isEmpty && names.isEmpty else {
                throw UsageError("give run ids or \(CLIFlag.suite) (with \(CLIFlag.name) or \(CLIFlag.endpoint)), not both")
            }
            return try runIDs.map { try store.run(matching: $0) }
        }
        guard !suites.isEmpty else {
            throw UsageError("name the runs to compare (mizan compare RUN RUN …) or pick them with \(CLIFlag.suite) ID "
                + "[\(CLIFlag.name) NAME …] [\(CLIFlag.endpoint) NAME …]; see \(CLICommand.runs)")
        }
        let stored = try store.runs()   // newest first
        var picked: [RunRecord] = []
        for suite in suites {
            let selector = SuiteSelector(suite)
            let ofSuite = stored.filter(selector.matches)
            // Only completed runs: running, interrupted and failed ones (all items endpoint errors, or beyond the
            // error budget) are skipped here; name them by id to compare them anyway.
            let candidates = ofSuite.filter { r in
                r.status == .completed && (endpoints.isEmpty || endpoints.contains(r.endpoint))
                    && (names.isEmpty || names.contains(RunGroup(r).name ?? ""))
            }
            for endpoint in endpoints where !candidates.contains(where: { $0.endpoint == endpoint }) {
                throw UsageError("no completed run of suite \(suite) on endpoint \(endpoint)\(filterText); found:\n" + found(suite, ofSuite, stored) + selectionHint)
            }
            for name in names where !candidates.contains(where: { RunGroup($0).name == name }) {
                throw UsageError("no completed run of suite \(suite) named \(name)\(filterText); found:\n" + found(suite, ofSuite, stored) + selectionHint)
            }
            var groups: [RunGroup] = []
            for r in candidates.reversed() where !groups.contains(RunGroup(r)) { groups.append(RunGroup(r)) }   // oldest first
            let rank = { (g: RunGroup) in
                (names.firstIndex(of: g.name ?? "") ?? 0, endpoints.firstIndex(of: g.endpoint) ?? 0)
            }
            groups = groups.enumerated().sorted { a, b in
                let (ra, rb) = (rank(a.element), rank(b.element))
                return ra != rb ? ra < rb : a.offset < b.offset
            }.map(\.element)
            for group in groups {
                guard let latest = candidates.first(where: { RunGroup($0) == group }) else { continue }
                for skipped in ofSuite.prefix(while: { $0.id != latest.id }) where RunGroup(skipped) == group && skipped.status == .failed {
                    printErr("note: skipped failed run \(skipped.id) of \(suite) (\(Self.describe(group))) (its items ended in endpoint errors); "
                        + "comparing the latest completed one, \(latest.id) — name a run id to compare it anyway")
                }
                picked.append(latest)
            }
        }
        guard Dictionary(grouping: picked, by: \.suiteID).values.contains(where: { $0.count > 1 }) else {
            let header = "nothing to compare for \(suites.map { "\(CLIFlag.suite) \($0)" }.joined(separator: " "))\(filterText): "
                + "compare needs two runs of the same suite (the latest completed run of each run name; of each endpoint for runs "
                + "without a name), and found:\n"
            throw UsageError(header + suites.map { s in found(s, stored.filter(SuiteSelector(s).matches), stored) }.joined() + selectionHint)
        }
        return picked
    }

    /// ` (with --name a --endpoint b)` when selection flags were given.
    var filterText: String {
        let flags = names.map { "\(CLIFlag.name) \($0)" } + endpoints.map { "\(CLIFlag.endpoint) \($0)" }
        return flags.isEmpty ? "" : " (with \(flags.joined(separator: " ")))"
    }

    /// What the store holds for `suite`: its runs, names, endpoints and URLs, statuses.
    func found(_ suite: String, _ ofSuite: [RunRecord], _ stored: [RunRecord]) -> String {
        var lines: [String] = []
        if ofSuite.isEmpty {
            let others = stored.map(\.suiteID).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            lines.append("  suite \(suite): no run in this store"
                + (others.isEmpty ? "" : "; suites with runs: " + others.prefix(12).joined(separator: ", ") + (others.count > 12 ? ", …" : "")))
        } else {
            let completed = ofSuite.filter { $0.status == .completed }
            let groups = Set(completed.map(RunGroup.init))
            lines.append("  suite \(suite): \(ofSuite.count) run(s), \(completed.count) completed, in \(groups.count) group(s) (newest first):")
            for r in ofSuite.prefix(10) {
                lines.append("    \(r.id)  \(Self.describe(RunGroup(r)))  model \(r.model)\(Self.url(of: r))  \(r.status)")
            }
            if ofSuite.count > 10 { lines.append("    … and \(ofSuite.count - 10) more (mizan runs lists them)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// How to select runs, the last line of every selection error.
    var selectionHint: String {
        "to select runs: give two run ids (mizan compare RUN RUN; \(CLICommand.runs) lists them), or pick named runs with "
            + "\(CLIFlag.name) A \(CLIFlag.name) B, or endpoints with \(CLIFlag.endpoint); name each build or setting when you run it "
            + "(\(CLICommand.run) … \(CLIFlag.name) NAME) so that runs behind one URL stay apart"
    }

    /// `named "x" on endpoint` or `no name, endpoint`.
    static func describe(_ group: RunGroup) -> String {
        group.name.map { "named \"\($0)\" on \(group.endpoint)" } ?? "no name, on \(group.endpoint)"
    }

    /// ` at URL` when the endpoint was a configured name whose URL differs from it.
    static func url(of run: RunRecord) -> String {
        guard let url = run.runManifest.endpoint?.config?.url, url != run.endpoint else { return "" }
        return " at \(url)"
    }
}
