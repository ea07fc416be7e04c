import Foundation
import MizanCore
import MizanTransport

/// What an endpoint can do, found by trying each capability with a tiny request (`EndpointCapabilities.probe`).
public struct EndpointCapabilities: Sendable, Hashable {
    /// One capability that was tried.
    public enum Capability: String, Sendable, Hashable, CaseIterable {
        /// OpenAI chat completions answer with a message.
        case chat
        /// OpenAI legacy completions answer with text.
        case completions
        /// Legacy completions honour `echo` + `logprobs` (prompt log-probabilities).
        case echoLogprobs = "echo_logprobs"
        /// llama.cpp native `POST /tokenize`.
        case nativeTokenize = "native_tokenize"
        /// llama.cpp native `/completion` follows a token-id grammar and reports pre-grammar log-probs.
        case grammar
        /// Chat returns `top_logprobs` for the generated token.
        case topLogprobs = "top_logprobs"
    }

    /// The outcome of trying one capability.
    public struct Finding: Sendable, Hashable {
        /// The capability.
        public var capability: Capability
        /// Whether it works.
        public var available: Bool
        /// What the endpoint answered that shows it.
        public var evidence: String
    }

    /// The endpoint's name.
    public var endpoint: String
    /// One finding per capability, in `Capability.allCases` order.
    public var findings: [Finding]

    /// Whether `capability` was found to work.
    public func has(_ capability: Capability) -> Bool { findings.contains { $0.capability == capability && $0.available } }

    /// The likelihood methods this endpoint can serve.
    public var methods: [LikelihoodMethod] {
        var m: [LikelihoodMethod] = []
        if has(.nativeTokenize) && has(.grammar) { m.append(.llamaCppNative) }
        if has(.echoLogprobs) { m.append(.openAIEcho) }
        if has(.topLogprobs) { m.append(.chatLabelTopLogprobs) }
        return m
    }

    /// The findings as JSON (for `mizan probe --json`).
    public var json: JSONValue {
        .object(["endpoint": .string(endpoint),
                 "capabilities": .object(Dictionary(uniqueKeysWithValues: findings.map {
                     ($0.capability.rawValue, JSONValue.object(["available": .bool($0.available), "evidence": .string($0.evidence)]))
                 })),
                 "likelihood_methods": .array(methods.map { .string($0.rawValue) })])
    }

    /// Tries every capability against `client`'s endpoint, one small request at a time (30 s timeout each: a CPU server
    /// answering an echo request can take several seconds).
    public static func probe(client: ModelClient) async throws -> EndpointCapabilities {
        let c = client.config
        let t = Timeouts(connect: c.timeouts.connect, total: 30, stall: 30)
        func ask(_ url: String, _ body: [String: JSONValue]) async throws -> JSONExchange {
            try await client.exchange(url: url, body: .object(body), timeouts: t)
        }
        func ok(_ a: JSONExchange) -> Bool { (200..<300).contains(a.status) && a.json != nil }
        let user: JSONValue = .array([.object(["role": .string("user"), "content": .string("The capital of Morocco is")])])
        var findings: [Finding] = []

        let chat = try await ask(c.apiBase + "/chat/completions", ["model": .string(c.model), "messages": user, "max_tokens": .number(1)])
        let chatText = chat.json?["choices"]?.arrayElements?.first?["message"]?["content"]?.stringValue
        findings.append(Finding(capability: .chat, available: ok(chat) && chatText != nil,
                                evidence: chatText.map { "message \($0.debugDescription)" } ?? chat.summary))

        let prompt = "The capital of Morocco is"
        let comp = try await ask(c.apiBase + "/completions", ["model": .string(c.model), "prompt": .string(prompt), "max_tokens": .number(1)])
        let compText = comp.json?["choices"]?.arrayElements?.first?["text"]?.stringValue
        findings.append(Finding(capability: .completions, available: ok(comp) && compText != nil,
                                evidence: compText.map { "text \($0.debugDescription)" } ?? comp.summary))

        let echo = try await ask(c.apiBase + "/completions", ["model": .string(c.model), "prompt": .string(prompt), "max_tokens": .number(1),
                                                          "echo": .bool(true), "logprobs": .number(1), "temperature": .number(0)])
        if ok(echo), let choice = echo.json?["choices"]?.arrayElements?.first {
            let promptTokens = echo.json?["usage"]?["prompt_tokens"]?.exactInt
            do {
                // The prompt's first word is the context: llama-cpp-python gives no log-prob for a text's first token (it
                // does not echo BOS), which does not stop it from scoring continuations.
                let s = try OpenAIEchoLikelihoodBackend.continuation((choice, promptTokens), prompt: prompt, contextScalars: 3, endpoint: c.name)
                findings.append(Finding(capability: .echoLogprobs, available: true,
                                        evidence: "\(s.tokenCount) prompt log-probs returned"
                                            + (promptTokens.map { " for \($0) prompt tokens (BOS included)" } ?? "")))
            } catch let e as LikelihoodError {
                findings.append(Finding(capability: .echoLogprobs, available: false, evidence: e.message))
            }
        } else {
            findings.append(Finding(capability: .echoLogprobs, available: false, evidence: echo.summary))
        }

        let tok = try await ask(c.serverRoot + "/tokenize", ["content": .string(prompt), "add_special": .bool(true)])
        let ids = tok.json?["tokens"]?.arrayElements?.compactMap(\.exactInt) ?? []
        findings.append(Finding(capability: .nativeTokenize, available: ok(tok) && !ids.isEmpty,
                                evidence: ids.isEmpty ? tok.summary : "\(ids.count) token ids, first \(ids[0])"))

        findings.append(try await grammarFinding(ask: ask, root: c.serverRoot, ids: ids))

        let top = try await ask(c.apiBase + "/chat/completions", ["model": .string(c.model), "messages": user, "max_tokens": .number(1),
                                                             "logprobs": .bool(true), "top_logprobs": .number(2)])
        let entries = top.json?["choices"]?.arrayElements?.first?["logprobs"]?["content"]?.arrayElements?.first?["top_logprobs"]?.arrayElements
        findings.append(Finding(capability: .topLogprobs, available: ok(top) && !(entries ?? []).isEmpty,
                                evidence: entries.map { "\($0.count) top log-probs for the generated token" } ?? top.summary))
        return EndpointCapabilities(endpoint: c.name, findings: findings)
    }

    /// Asks for the greedy token's top 2, then forces the second with a token-id grammar: available when the
    /// server generates it and reports the same log-prob as unconstrained (the log-prob before the grammar).
    static func grammarFinding(ask: (String, [String: JSONValue]) async throws -> JSONExchange, root: String,
                               ids: [Int]) async throws -> Finding {
        guard !ids.isEmpty else { return Finding(capability: .grammar, available: false, evidence: "no token ids to send (no /tokenize)") }
        let prompt: JSONValue = .array(ids.map { .number(Double($0)) })
        let free = try await ask(root + "/completion", ["prompt": prompt, "n_predict": .number(1), "n_probs": .number(2), "temperature": .number(0)])
        guard let alternatives = free.json?["completion_probabilities"]?.arrayElements?.first?["top_logprobs"]?.arrayElements,
              alternatives.count >= 2, let second = alternatives[1]["id"]?.exactInt, let expected = alternatives[1]["logprob"]?.doubleValue else {
            return Finding(capability: .grammar, available: false, evidence: "/completion gave no top_logprobs with ids: \(free.summary)")
        }
        let forced = try await ask(root + "/completion", ["prompt": prompt, "n_predict": .number(1), "n_probs": .number(1),
                                                          "temperature": .number(0), "grammar": .string("root ::= <[\(second)]>")])
        let row = forced.json?["completion_probabilities"]?.arrayElements?.first
        guard row?["id"]?.exactInt == second, let lp = row?["logprob"]?.doubleValue else {
            return Finding(capability: .grammar, available: false, evidence: "forcing token \(second) gave: \(forced.summary)")
        }
        let same = abs(lp - expected) < 1e-6
        return Finding(capability: .grammar, available: same,
                       evidence: "forced token \(second): log-prob \(lp) " + (same ? "equals" : "differs from") + " the unconstrained \(expected)")
    }
}
