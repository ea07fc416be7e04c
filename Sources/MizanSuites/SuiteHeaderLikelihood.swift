import Foundation
import MizanCore
import MizanMetrics
import MizanYAML

/// The likelihood parts of `suite.yaml` (docs/likelihood.md): `scoring`, `prompt.continuation`, `likelihood:`, and the
/// checks that a likelihood suite asks for likelihood metrics only (and a generative suite for none).
extension SuiteHeader {
    /// The likelihood measurement the header asks for; nil for a generative suite.
    var likelihoodTask: LikelihoodTask? {
        switch task {
        case .generation: return nil
        case .multipleChoice: return scoring == .loglikelihood ? .multipleChoice : nil
        case .loglikelihood: return .loglikelihood
        case .rolling: return .rolling
        }
    }

    /// Hash parts for `scoring` and `prompt.continuation`, present only when set so existing suites keep their hashes.
    /// (`likelihood.sequential` is how requests are scheduled, not what is measured: it is recorded in the manifest.)
    var likelihoodParts: [String] {
        (scoring == .generate ? [] : ["scoring:" + scoring.rawValue]) + (likelihood.continuation.map { ["continuation:" + $0] } ?? [])
    }

    /// Reads `scoring` and `likelihood:` and checks every likelihood rule, appending problems to `errors`.
    mutating func parseLikelihood(_ root: YAMLValue, errors: inout [InputError]) {
        if let v = root["scoring"] {
            do {
                let raw = try v.string()
                guard let s = ScoringMethod(rawValue: raw) else {
                    throw v.error("unknown scoring '\(raw)'", remedy: "use generate (the model writes a label) or loglikelihood")
                }
                if task != .multipleChoice {
                    throw v.error("scoring applies to task multiple-choice only (this suite is task \(task.rawValue))",
                                  remedy: "remove `scoring:`; loglikelihood and rolling tasks are always scored by log-likelihood")
                }
                scoring = s
            } catch let e as InputError { errors.append(e) } catch { errors.append(v.error("\(error)", remedy: "fix the value")) }
        }
        let kind = likelihoodTask
        if let l = root["likelihood"] {
            do {
                for bad in l.unknownKeys(allowed: ["sequential"]) {
                    errors.append(bad.error("unknown key '\(bad.path)'", remedy: "use likelihood.sequential (true: one request at a time)"))
                }
                guard kind != nil else {
                    throw l.error("a `likelihood:` block needs a likelihood suite",
                                  remedy: "add `scoring: loglikelihood` (multiple-choice), use task loglikelihood or rolling, or remove the block")
                }
                likelihood.sequential = try l["sequential"]?.bool() ?? false
            } catch let e as InputError { errors.append(e) } catch { errors.append(l.error("\(error)", remedy: "fix the value")) }
        }
        if let c = likelihood.continuation, let node = root["prompt"]?["continuation"] {
            if kind != .multipleChoice {
                errors.append(node.error("prompt.continuation is the per-choice continuation of log-likelihood multiple choice",
                                         remedy: task == .loglikelihood ? "put the continuation in each item's \"target\""
                                             : "remove it, or use `task: multiple-choice` with `scoring: loglikelihood`"))
            } else if !PromptRenderer.placeholders(in: c).contains(where: { $0 == "choice" || $0 == "label" }) {
                errors.append(node.error("prompt.continuation \(c.debugDescription) names neither {{choice}} nor {{label}}, so every "
                    + "choice would get the same text", remedy: "write e.g. \" {{choice}}\" or \" {{label}}\""))
            }
        }
        if kind != nil {
            if let g = root["generation"] {
                errors.append(g.error("a `generation:` block on a likelihood suite (task \(task.rawValue)"
                    + (task == .multipleChoice ? ", scoring loglikelihood" : "") + "): nothing is generated, the given text is scored",
                    remedy: "remove the `generation:` block"))
            }
            if let f = root["fewshot"] {
                errors.append(f.error("few-shot examples are not supported on likelihood suites yet",
                                      remedy: "remove `fewshot:`, or write the examples into prompt.template"))
            }
        }
        for entry in (try? root["metrics"]?.sequence()) ?? [] {
            guard let name = entry.json().stringValue ?? entry.json()["name"]?.stringValue else { continue }
            let metricTask = LikelihoodMetric.task(ofMetric: name)
            if let kind, metricTask != kind {
                errors.append(entry.error("metric '\(name)' does not fit task \(task.rawValue)"
                    + (kind == .multipleChoice ? " scored by log-likelihood" : "") + ": the answer is log-likelihoods, not text",
                    remedy: "use one of: \(LikelihoodMetric.names(for: kind).joined(separator: ", "))"))
            } else if kind == nil, let metricTask {
                errors.append(entry.error("metric '\(name)' scores log-likelihoods (\(metricTask.rawValue)), but this suite generates text",
                    remedy: metricTask == .multipleChoice ? "add `scoring: loglikelihood`, or use the `choice` metric"
                        : "use `task: \(metricTask.rawValue)`, or a metric of generated text"))
            }
        }
    }
}
