import MizanCore
import MizanStore

/// One reason two runs of the same suite do not measure the same thing.
public struct Incomparability: Sendable, Hashable, CustomStringConvertible {
    /// Suite id.
    public var suite: String
    /// What differs: `suite version`, `suite content hash`, `prompt template hash`, `normalizer <tag> <level>`, `metric <name> version`.
    public var field: String
    /// Run id → its value of the field.
    public var values: [String: String]
    /// What to do about it, when more specific than re-running on the same suite version.
    public var remedy: String? = nil

    /// e.g. `suite starter-ary-arab: suite content hash differs (run a: 1a2b…, run b: 9f8e…)`.
    public var description: String {
        let parts = values.sorted { $0.key < $1.key }.map { "run \($0.key): \($0.value)" }
        return "suite \(suite): \(field) differs (\(parts.joined(separator: ", ")))"
    }
}

/// The error raised when runs that are not comparable are compared without the override.
public struct IncomparableRunsError: UserFacingError {
    /// Every difference found.
    public var differences: [Incomparability]
    /// The flag that overrides the guard, named in the message.
    public var overrideFlag: String
    public init(differences: [Incomparability], overrideFlag: String = CLIFlag.allowIncomparable.description) {
        self.differences = differences
        self.overrideFlag = overrideFlag
    }
    public var exitCode: Int32 { 2 }
    public var description: String {
        let remedies = differences.compactMap(\.remedy).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "the runs are not comparable:\n" + differences.map { "  - \($0)" }.joined(separator: "\n")
            + remedies.map { "\n" + $0 }.joined()
            + (differences.allSatisfy { $0.remedy != nil } ? "\nor pass " : "\nre-run them on the same suite version, or pass ")
            + "\(overrideFlag) to compare anyway (the differences are then printed with the table)"
    }
}

/// Checks that runs of one suite used the same suite content, prompt template, normalizers and metric versions.
public enum ComparabilityGuard {
    /// The differences between `runs` (all of the same suite id); empty when they are comparable.
    public static func differences(suite: String, runs: [RunRecord]) -> [Incomparability] {
        var out: [Incomparability] = []
        func check(_ field: String, _ value: (RunRecord) -> String?) {
            var values: [String: String] = [:]
            for r in runs { values[r.id] = value(r) ?? "(not recorded)" }
            if Set(values.values).count > 1 { out.append(Incomparability(suite: suite, field: field, values: values)) }
        }
        check("suite version") { $0.suiteVersion }
        check("suite content hash") { $0.suiteHash }
        let manifests = Dictionary(runs.map { ($0.id, $0.runManifest) }) { first, _ in first }
        check("prompt template hash") { manifests[$0.id]?.suite?.templateHash }
        for key in normalizerKeys(runs) {
            let parts = key.split(separator: " ").map(String.init)
            check("normalizer \(key)") { manifests[$0.id]?.normalizers?[parts[0]]?[parts[1]] }
        }
        for metric in metricNames(runs) {
            check("metric \(metric) version") { manifests[$0.id]?.metricVersion(metric) }
        }
        if let clash = likelihoodMethods(suite: suite, runs: runs), Set(clash.values.values.map(measurement)).count > 1 {
            var d = clash
            d.remedy = "chat-label-top-logprobs measures the next-token probabilities of the choice labels, not the log-likelihood "
                + "of each choice's text: re-run the runs with the same likelihood method (`\(CLICommand.run) \(CLIFlag.likelihood) …`, or the endpoint's `likelihood:`)"
            out.append(d)
        }
        return out
    }

    /// Differences that do not make runs incomparable but are printed with the comparison: two methods that
    /// measure the same log-likelihood through different server paths (llama.cpp-native and openai-echo), whose
    /// numerics can differ slightly (docs/likelihood.md, "Determinism").
    public static func cautions(suite: String, runs: [RunRecord]) -> [Incomparability] {
        guard let clash = likelihoodMethods(suite: suite, runs: runs), Set(clash.values.values.map(measurement)).count == 1 else { return [] }
        return [clash]
    }

    /// The `likelihood method` difference between `runs` (manifest `likelihood.method`), or nil when they agree
    /// (generative runs record none).
    static func likelihoodMethods(suite: String, runs: [RunRecord]) -> Incomparability? {
        var values: [String: String] = [:]
        for r in runs { values[r.id] = r.runManifest.likelihood?.method ?? "(not recorded)" }
        return Set(values.values).count > 1 ? Incomparability(suite: suite, field: "likelihood method", values: values) : nil
    }

    /// What a likelihood method measures: the continuation's log-likelihood (`llama.cpp-native`, `openai-echo`), or
    /// the next-token probabilities of the choice labels (`chat-label-top-logprobs`); any other value stands alone.
    static func measurement(_ method: String) -> String {
        switch method {
        case "llama.cpp-native", "openai-echo": return "continuation log-likelihood"
        default: return method
        }
    }

    /// `<language tag> <level>` for every normalizer recorded in any run.
    static func normalizerKeys(_ runs: [RunRecord]) -> [String] {
        var keys = Set<String>()
        let byRun = runs.map { $0.runManifest.normalizers ?? [:] }
        for byTag in byRun {
            for (tag, levels) in byTag {
                for level in levels.keys { keys.insert("\(tag) \(level)") }
            }
        }
        // A language present in one run only is a coverage matter (items are intersected), not a version clash.
        return keys.sorted().filter { key in
            let tag = String(key.split(separator: " ")[0])
            return byRun.allSatisfy { $0[tag] != nil }
        }
    }

    /// Metric names present in every run's manifest.
    static func metricNames(_ runs: [RunRecord]) -> [String] {
        let sets = runs.map { Set($0.runManifest.metricSpecs.map(\.name)) }
        guard let first = sets.first else { return [] }
        return sets.dropFirst().reduce(first) { $0.intersection($1) }.sorted()
    }
}
