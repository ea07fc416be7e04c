import Foundation
import MizanCore
import MizanEndpoints
import MizanMetrics
import MizanStore
import MizanSuites

/// The likelihood path of a run (docs/likelihood.md): the method chosen for the endpoint, and how one item is scored.
///
/// Each item's context and continuations (or whole text) are rendered, scored by the backend, and stored as a canonical
/// `LikelihoodAnswer` in `response.text`; the likelihood metrics read that JSON, so `rescore` needs no model. Endpoint
/// and backend errors are recorded on the item (`response.failure`) and never scored.
struct LikelihoodRun: Sendable {
    /// The method and backend in use.
    let resolved: ResolvedLikelihood
    /// What the suite measures.
    let task: LikelihoodTask
    /// One request at a time (`likelihood.sequential` in suite.yaml).
    let sequential: Bool
    /// What was asked for (`--likelihood`, the endpoint's `likelihood:`, or the resumed run's method).
    let selection: LikelihoodSelection

    /// The method for a likelihood suite (nil for a generative one), chosen before any run is created: a resumed run keeps
    /// its recorded method; otherwise the endpoint's `likelihood` selection. Throws when the endpoint cannot serve it, or
    /// when more than one sample is asked for (likelihood scoring is deterministic).
    static func prepare(_ request: RunRequest, client: ModelClient, pacer: EndpointPacer) async throws -> LikelihoodRun? {
        let suite = request.suite
        guard let task = suite.likelihoodTask else { return nil }
        if request.samples > 1 {
            throw UsageError("\(CLIFlag.samples) \(request.samples): suite \(suite.id) is scored by log-likelihood, which is deterministic; "
                + "every sample would be the same — run it without \(CLIFlag.samples)")
        }
        var selection = request.endpoint.likelihood
        if let recorded = request.resume?.runManifest.likelihood?.method, let method = LikelihoodMethod(rawValue: recorded) {
            let kept = LikelihoodSelection(method: method)
            if selection != .auto && selection != kept {
                throw UsageError("run \(request.resume?.id ?? "") was scored with \(recorded); resume it with the same method (or without \(CLIFlag.likelihood))")
            }
            selection = kept
        }
        let resolved = try await ResolvedLikelihood.resolve(selection: selection, multipleChoice: task == .multipleChoice, client: client,
                                                            pacer: pacer)
        return LikelihoodRun(resolved: resolved, task: task, sequential: suite.likelihood.sequential, selection: selection)
    }

    /// The manifest's `likelihood` entry (`selection`, `task` and `sequential` beside the method, context size and server).
    var manifest: RunManifest.Likelihood {
        var entry = RunManifest.Likelihood(method: resolved.method.rawValue, contextSize: resolved.contextSize, server: resolved.server)
        entry.extra = ["selection": .string(selection.rawValue), "task": .string(task.rawValue), "sequential": .bool(sequential)]
        return entry
    }

    /// Scores one item (or reuses a cached answer to the identical request) and applies the metrics; nil when cancelled
    /// before an answer arrived, or when the run started draining while the item waited for a request slot.
    func evaluate(_ item: SuiteItem, suite: Suite, client: ModelClient, metrics: [any Metric], cache: (any ResultStore)?,
                  slots: RequestSlots?, control: RunControl?) async -> ItemRecord? {
        let context = LikelihoodPrompt.context(suite, item: item)
        let continuations = LikelihoodPrompt.continuations(suite, item: item)
        let labels = LikelihoodPrompt.labels(suite, item: item)
        var hasher = SHA256()
        // The request hash covers the method, the endpoint, the model, the context and every continuation.
        let key = resolved.method == .chatLabelTopLogprobs ? [suite.system ?? "", PromptRenderer.render(suite, item: item).user] + labels
            : [context] + continuations
        hasher.update((["mizan-likelihood/1", resolved.method.rawValue, task.rawValue, client.config.apiBase, client.config.model] + key)
            .joined(separator: "\u{1F}"))
        let requestHash = hasher.finalizeHex()
        var response: ModelResponse
        if let hit = Runner.reusedResponse(from: cache, requestHash: requestHash) {
            response = hit
        } else {
            do {
                try await slots?.acquire()
                defer { slots?.release() }
                if control?.isDraining == true { return nil }
                let start = monotonicSeconds()
                do {
                    let answer = try await answer(suite: suite, item: item, context: context, continuations: continuations, labels: labels)
                    response = ModelResponse(text: answer.text, httpStatus: 200, latency: monotonicSeconds() - start,
                                             usage: TokenUsage(promptTokens: answer.rolling?.tokens ?? answer.choices.compactMap(\.tokens).reduce(0, +)))
                } catch let e as LikelihoodError {
                    response = ModelResponse(text: nil, httpStatus: 0, latency: monotonicSeconds() - start,
                                             failure: EndpointFailure(kind: Self.failureKind(e), message: "\(e.kind.rawValue): \(e.description)"))
                }
            } catch { return nil }
        }
        return await Runner.scoredRecord(item, suite: suite, requestHash: requestHash, prompt: context, response: response,
                                         metrics: metrics)
    }

    /// Asks the backend: per-choice (or target) log-likelihoods, the whole text's, or the labels' next-token log-probs.
    func answer(suite: Suite, item: SuiteItem, context: String, continuations: [String], labels: [String]) async throws -> LikelihoodAnswer {
        let method = resolved.method.rawValue
        if let scorer = resolved.labels {
            let r = PromptRenderer.render(suite, item: item)
            let s = try await scorer.scores(prompt: r.user, system: r.system, labels: labels)
            return LikelihoodAnswer(method: method, choices: zip(s.labels, s.logprobs).map { .init(label: $0, logprob: $1) })
        }
        guard let backend = resolved.backend else { throw LikelihoodError(.missingCapability, "no backend", remedy: "report this bug") }
        if task == .rolling {
            let text = context
            let r = try await backend.rollingLoglikelihood(text: text)
            return LikelihoodAnswer(method: method, rolling: .init(logprob: r.logLikelihood, tokens: r.tokenCount, windows: r.windows,
                                                                   bytes: text.utf8.count, words: LikelihoodMetrics.wordCount(text)))
        }
        let scores: [ContinuationScore]
        if let native = backend as? LlamaCppLikelihoodBackend {
            scores = try await native.loglikelihoods(context: context, continuations: continuations)
        } else {
            scores = try await backend.loglikelihoods(continuations.map { (context, $0) })
        }
        return LikelihoodAnswer(method: method, choices: zip(continuations, scores).map { c, s in
            .init(continuation: c, logprob: s.logLikelihood, tokens: s.tokenCount, greedy: s.isGreedy, bytes: c.utf8.count)
        })
    }

    /// How a likelihood failure is recorded: endpoint failures by what came back, the rest as unusable answers.
    static func failureKind(_ e: LikelihoodError) -> EndpointErrorKind {
        guard e.kind == .endpoint else { return .malformedBody }
        return e.message.contains("no answer (") ? .connect : .httpStatus
    }
}
