import Foundation
import MizanCore
import MizanEndpoints
import MizanGate
import MizanReport
import MizanRunner
import MizanStore
import MizanSuites

extension GateCommand {
    /// Runs the candidate sequentially: each suite's items in a random order drawn from `seed`, its score checks
    /// tested after every item, the run drained as soon as every check of the suite is decided. The runs are marked
    /// `completed` and their manifests record the order's seed and the items used (`sequential`).
    func runSequential(baseline: [LoadedRun], rules: GateRules, seed: UInt64, store: any ResultStore, config: MizanConfig,
                       project: Project) async throws -> ([LoadedRun], SequentialSummary) {
        var options = RunOptions()
        (options.suites, options.endpoint, options.kind, options.model) = (suite, target.endpoint, try target.kind(), target.model)
        (options.concurrency, options.limit, options.samples, options.stream) = (target.concurrency, limit, samples, stream)
        (options.name, options.errorBudget) = (name, errorBudget)
        var plan = try RunPlan(gate: options, baseline: baseline.map(\.run), config: config, project: project, store: store)
        var monitors: [String: SequentialMonitor] = [:]
        var planned: [String: Int] = [:]
        for i in plan.steps.indices {
            let s = plan.steps[i].suite
            let count = min(plan.steps[i].limit ?? s.items.count, s.items.count)
            plan.steps[i].suite.items = SequentialMonitor.order(s.items, count: count, seed: seed)
            guard let base = baseline.first(where: { $0.run.suiteID == s.id }) else { continue }
            // Built before anything is sent: a checked metric without a known range is refused here.
            monitors[s.id] = try SequentialMonitor(suite: s.id, baseline: base, order: plan.steps[i].suite.items.prefix(count).map(\.id),
                                                   samples: plan.steps[i].samples, rules: rules)
            planned[s.id] = count
        }
        let decided = Locked(Set<String>())
        var session = RunSession(plan: plan)
        session.prepare = { step, request, control in
            guard let monitor = monitors[step.suite.id], !monitor.isEmpty else { return }
            request.onStored = { runID, record in
                if monitor.add(record) {
                    decided.withLock { $0.insert(runID) }
                    control.drain()
                }
            }
        }
        session.stoppedOnPurpose = { decided.current.contains($0.runID) }
        var out: [LoadedRun] = []
        var uses: [SequentialSuiteUse] = []
        try await session.execute { done in
            let id = done.suite.id
            let early = decided.current.contains(done.outcome.runID) && done.outcome.stored < done.outcome.total
            let samplesPerItem = max(1, done.outcome.total / max(1, planned[id] ?? 1))
            let used = (done.outcome.stored + samplesPerItem - 1) / samplesPerItem
            uses.append(SequentialSuiteUse(suite: id, planned: planned[id] ?? used, used: used, stoppedEarly: early))
            if early {
                try store.finishRun(id: done.record.id, status: .completed, finishedAt: isoNow())
            }
            if case .object(var manifest) = done.record.manifest {
                manifest["sequential"] = .object(["seed": .string(String(seed)), "items_planned": .number(Double(planned[id] ?? used)),
                                                  "items_used": .number(Double(used)), "stopped_early": .bool(early)])
                try store.updateManifest(runID: done.record.id, manifest: .object(manifest))
            }
            printErr("candidate run \(done.outcome.runID) of \(id)@\(done.suite.version): \(done.outcome.stored) items, \(done.outcome.errors) errors"
                + (early ? " (sequential: stopped early, the verdict was clear)" : ""))
            out.append(try LoadedRun(try store.run(matching: done.record.id), from: store))
        }
        let checks = plan.steps.compactMap { monitors[$0.suite.id] }.flatMap(\.results)
        return (out, SequentialSummary(seed: seed, suites: uses, checks: checks))
    }
}
