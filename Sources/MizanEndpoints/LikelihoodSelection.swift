import Foundation
import MizanCore
import MizanTransport

/// Which likelihood method an endpoint uses (`likelihood:` in mizan.yaml, `mizan run --likelihood`).
public enum LikelihoodSelection: String, Sendable, Codable, CaseIterable {
    /// Probe, then use llama.cpp-native if the endpoint has it, else openai-echo (never chat-labels).
    case auto
    /// `LlamaCppLikelihoodBackend`.
    case llamaCppNative = "llama.cpp-native"
    /// `OpenAIEchoLikelihoodBackend`.
    case openAIEcho = "openai-echo"
    /// `ChatLabelScorer`: next-token probabilities of the choice labels (multiple choice only; a different method).
    case chatLabels = "chat-labels"

    /// The method this selection names; nil for `auto`.
    public var method: LikelihoodMethod? {
        switch self {
        case .auto: return nil
        case .llamaCppNative: return .llamaCppNative
        case .openAIEcho: return .openAIEcho
        case .chatLabels: return .chatLabelTopLogprobs
        }
    }

    /// The selection that names `method`.
    public init(method: LikelihoodMethod) {
        switch method {
        case .llamaCppNative: self = .llamaCppNative
        case .openAIEcho: self = .openAIEcho
        case .chatLabelTopLogprobs: self = .chatLabels
        }
    }
}

/// A likelihood method chosen for an endpoint, ready to score (`ResolvedLikelihood.resolve`).
public struct ResolvedLikelihood: Sendable {
    /// The method in use.
    public var method: LikelihoodMethod
    /// Tokens per request, when the server reports it (llama-server `/props`).
    public var contextSize: Int?
    /// A subset of llama-server's `GET /props` (model path, build, slots, context), or null when the server has none.
    public var server: JSONValue
    /// The continuation / rolling backend (llama.cpp-native, openai-echo).
    public var backend: (any LikelihoodBackend)?
    /// The label scorer (chat-labels).
    public var labels: ChatLabelScorer?

    /// The capabilities each method needs, for refusals.
    static func needs(_ method: LikelihoodMethod) -> [EndpointCapabilities.Capability] {
        switch method {
        case .llamaCppNative: return [.nativeTokenize, .grammar]
        case .openAIEcho: return [.echoLogprobs]
        case .chatLabelTopLogprobs: return [.topLogprobs]
        }
    }

    /// Probes the endpoint and picks the method: the selected one, or for `auto` llama.cpp-native, else openai-echo.
    /// Throws a `LikelihoodError` (`missingCapability`) naming what is missing and the endpoint kinds that have it;
    /// `multipleChoice` says whether the suite is multiple choice (chat-labels serves nothing else).
    public static func resolve(selection: LikelihoodSelection, multipleChoice: Bool, client: ModelClient,
                               pacer: EndpointPacer? = nil) async throws -> ResolvedLikelihood {
        let name = client.config.name
        if selection == .chatLabels && !multipleChoice {
            throw LikelihoodError(.missingCapability, "chat-labels reads the next-token probabilities of choice labels, so it scores "
                + "multiple choice only", remedy: "use llama.cpp-native or openai-echo (or auto) for loglikelihood and rolling suites")
        }
        let caps = try await EndpointCapabilities.probe(client: client)
        let candidates: [LikelihoodMethod] = selection.method.map { [$0] } ?? [.llamaCppNative, .openAIEcho]
        guard let method = candidates.first(where: { caps.methods.contains($0) }) else {
            let missing = candidates.flatMap { m in
                needs(m).filter { !caps.has($0) }.map { c in
                    "\(c.rawValue) (\(caps.findings.first { $0.capability == c }?.evidence.prefix(200) ?? "not tried"))"
                }
            }
            let labels = multipleChoice && caps.has(.topLogprobs) && selection == .auto
                ? "; for multiple choice, `\(CLIFlag.likelihood) chat-labels` reads the labels' next-token probabilities instead (a different method)" : ""
            throw LikelihoodError(.missingCapability, "endpoint '\(name)' cannot serve this likelihood suite"
                + (selection == .auto ? "" : " with \(selection.rawValue)") + ": missing capability " + missing.joined(separator: ", "),
                remedy: "score with \(LikelihoodError.workingKinds)\(labels); `\(CLICommand.probe) \(CLIFlag.endpoint) \(name)` shows what it can do")
        }
        var resolved = ResolvedLikelihood(method: method, contextSize: nil, server: .null)
        let props = try await client.exchange(url: client.config.serverRoot + "/props", body: nil)
        if (200..<300).contains(props.status), let json = props.json, case .object(let o) = json {
            var subset: [String: JSONValue] = [:]
            for key in ["model_path", "build_info", "total_slots", "model_alias"] where o[key] != nil { subset[key] = o[key] }
            if let n = json["default_generation_settings"]?["n_ctx"] ?? o["n_ctx"] { subset["n_ctx"] = n }
            resolved.server = .object(subset)
        }
        switch method {
        case .llamaCppNative:
            let backend = try await LlamaCppLikelihoodBackend.connect(client: client, pacer: pacer)
            resolved.contextSize = backend.contextSize
            resolved.backend = backend
        case .openAIEcho:
            resolved.backend = OpenAIEchoLikelihoodBackend(client: client, pacer: pacer)
        case .chatLabelTopLogprobs:
            resolved.labels = ChatLabelScorer(client: client, pacer: pacer)
        }
        return resolved
    }
}

extension LlamaCppLikelihoodBackend {
    /// Scores several continuations of one context: the context is tokenized once, each context + continuation once,
    /// and each continuation takes one `/completion` request (as `loglikelihood(context:continuation:)` would).
    public func loglikelihoods(context: String, continuations: [String]) async throws -> [ContinuationScore] {
        let (ctx, moved) = splitAtWhitespace(context: context, continuation: "")
        let contextIDs = try await tokenize(ctx, addSpecial: true)
        var out: [ContinuationScore] = []
        for continuation in continuations {
            let cont = moved + continuation
            guard !cont.isEmpty else {
                throw LikelihoodError(.invalidInput, "empty continuation", remedy: "give every choice or target some text")
            }
            let whole = try await tokenize(ctx + cont, addSpecial: true)
            guard whole.count > contextIDs.count, Array(whole.prefix(contextIDs.count)) == contextIDs else {
                throw LikelihoodError(.tokenBoundary, "the continuation \(cont.debugDescription) does not add tokens after the context's "
                    + "own tokens", remedy: "start continuations with a space (\" {{choice}}\") and end contexts without one")
            }
            let continuationIDs = Array(whole[contextIDs.count...])
            let keep = contextSize - continuationIDs.count
            guard keep >= 1 else {
                throw LikelihoodError(.contextTooLong, "the continuation has \(continuationIDs.count) tokens; the context holds \(contextSize)",
                                      remedy: "shorten the continuation or start the server with a larger context (-c)")
            }
            out.append(try await score(contextTokens: Array(contextIDs.suffix(keep)), continuationTokens: continuationIDs))
        }
        return out
    }
}
