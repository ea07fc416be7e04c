import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints
import MizanGate
import MizanHuman
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites

struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Run (or load) a candidate and fail when it regressed against a baseline. Exit 0 pass, 1 regression, 2 input error, 3 too many endpoint errors.",
        discussion: """
            The candidate is compared with the baseline through the same comparability guard and paired statistics as \
            `mizan compare`, then held to the rules (--rules gate.yaml; without it: no statistically significant \
            regression at 95% on any suite × language × metric slice). Reports: --junit FILE, --markdown FILE, \
            GitHub annotations (--annotations, automatic when GITHUB_ACTIONS=true) and the job summary \
            ($GITHUB_STEP_SUMMARY is appended to when set).
            """)

    @Option(help: "Baseline: a file from `mizan baseline save`, or a stored run id (repeat for one run per suite).")
    var baseline: [String] = []

    @Option(help: "Stored candidate run id (repeatable); without it the candidate is run now against --endpoint.")
    var candidate: [String] = []

    @Option(help: "Suites to run/check: id, id@version or folder (default: the baseline's suites at the baseline's versions).")
    var suite: [String] = []

    @OptionGroup var target: EndpointChoice

    @Option(help: "Only the first N items of each suite (default: as many as the baseline run had).")
    var limit: Int?

    @Option(help: "Generations per item (default: the baseline's; rules min_pass_all/min_agreement need K ≥ 2).")
    var samples: Int?

    @Flag(help: "Stream responses, to measure time to first token (for ttft_p95_ms rules).")
    var stream = false

    @Option(help: "Rules file (YAML; see README 'Regression gates').")
    var rules: String?

    @Option(help: "Fraction of candidate items allowed to end in endpoint errors before the gate gives up (exit 3).")
    var errorBudget: Double = 0.2

    @Flag(help: "Compare even when suite, template, normalizer or metric versions differ (the differences are printed).")
    var allowIncomparable = false

    @Option(help: "Write a JUnit XML report (one test case per rule × slice).")
    var junit: String?

    @Option(help: "Write a Markdown report.")
    var markdown: String?

    @Flag(help: "Print GitHub Actions annotation lines (default when GITHUB_ACTIONS=true).")
    var annotations = false

    @Flag(help: "Also list the checks that passed.")
    var all = false

    @Option(help: "A name recorded in the candidate runs' manifests.")
    var name: String?

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await reportingErrors {
            guard !baseline.isEmpty else { throw UsageError("give --baseline FILE (from `mizan baseline save`) or --baseline RUN-ID") }
            guard (0...1).contains(errorBudget) else { throw UsageError("--error-budget must be between 0 and 1") }
            if !candidate.isEmpty && target.endpoint != nil { throw UsageError("give either --candidate RUN-ID (stored) or --endpoint (run now), not both") }
            if candidate.isEmpty && target.endpoint == nil { throw UsageError("give --endpoint to run the candidate now, or --candidate RUN-ID for a stored run") }
            let gateRules = try rules.map { try GateRules.load(path: $0) } ?? .builtIn
            let project = try storeOptions.project()
            let cfg = try project.loadConfig()
            // Gating stored runs only reads the store; running the candidate writes it.
            let store = try storeOptions.openStore(cfg, create: candidate.isEmpty)
            var (baseRuns, baseName) = try loadBaseline(store: store)
            if !suite.isEmpty && !candidate.isEmpty {
                baseRuns = baseRuns.filter { b in suite.contains { $0 == b.run.suiteID || $0.hasPrefix(b.run.suiteID + "@") } }
            }
            let candidates: [LoadedRun]
            if candidate.isEmpty {
                candidates = try await runCandidates(baseline: baseRuns, store: store, config: cfg, project: project)
                let ran = Set(candidates.map(\.run.suiteID))
                baseRuns = baseRuns.filter { ran.contains($0.run.suiteID) }
            } else {
                candidates = try candidate.map { try LoadedRun(matching: $0, in: store) }
            }
            for run in baseRuns.map(\.run) + candidates.map(\.run) where run.status == .failed {
                printErr("note: run \(run.id) (\(run.suiteID)) failed: its items ended in endpoint errors beyond the error budget")
            }
            let report = try Gate.evaluate(baseline: baseRuns, baselineName: baseName, candidate: candidates, rules: gateRules,
                                           errorBudget: errorBudget, allowIncomparable: allowIncomparable,
                                           human: try HumanStudies(store: store))
            try publish(report)
            if report.decision.exitCode != 0 { throw ExitCode(report.decision.exitCode) }
        }
    }

    /// The baseline runs: from one file, or from stored run ids.
    func loadBaseline(store: any ResultStore) throws -> ([LoadedRun], String) {
        if baseline.count == 1, FileManager.default.fileExists(atPath: baseline[0]) || baseline[0].hasSuffix(".json") {
            let b = try Baseline.load(path: baseline[0])
            return (b.runs, b.name.isEmpty ? baseline[0] : b.name)
        }
        let runs = try baseline.map { try LoadedRun(matching: $0, in: store) }
        return (runs, runs.map(\.run.id).joined(separator: ", "))
    }

    /// Runs every baseline suite (or --suite) against --endpoint with the baseline's item count and samples.
    func runCandidates(baseline: [LoadedRun], store: any ResultStore, config: MizanConfig, project: Project) async throws -> [LoadedRun] {
        var options = RunOptions()
        (options.suites, options.endpoint, options.kind, options.model) = (suite, target.endpoint, try target.kind(), target.model)
        (options.concurrency, options.limit, options.samples, options.stream) = (target.concurrency, limit, samples, stream)
        (options.name, options.errorBudget) = (name, errorBudget)
        let plan = try RunPlan(gate: options, baseline: baseline.map(\.run), config: config, project: project, store: store)
        var out: [LoadedRun] = []
        try await RunSession(plan: plan).execute { done in
            printErr("candidate run \(done.outcome.runID) of \(done.suite.id)@\(done.suite.version): \(done.outcome.stored) items, \(done.outcome.errors) errors")
            out.append(try LoadedRun(done.record, from: store))
        }
        return out
    }

    /// Prints the report and writes JUnit, Markdown, annotations and the GitHub job summary as asked.
    func publish(_ report: GateReport) throws {
        let env = ProcessInfo.processInfo.environment
        if let junit { try writeAtomically(GateReports.junit(report), to: junit, createFolder: true) }
        if let markdown { try writeAtomically(GateReports.markdown(report), to: markdown, createFolder: true) }
        if let summary = env["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
            if let h = FileHandle(forWritingAtPath: summary) {
                h.seekToEndOfFile()
                h.write(Data(GateReports.markdown(report).utf8))
                h.closeFile()
            } else {
                try writeAtomically(GateReports.markdown(report), to: summary)
            }
        }
        print(GateReports.text(report), terminator: "")
        if all { print("\nAll checks:"); print(GateReports.checksTable(report, all: true).render(.table), terminator: "") }
        if annotations || env["GITHUB_ACTIONS"] == "true" { print(GateReports.githubAnnotations(report), terminator: "") }
    }
}
