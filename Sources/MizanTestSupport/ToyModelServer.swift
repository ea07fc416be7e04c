/// Which kind of model server the toy-model responder imitates (see `ToyModelServer`).
public enum ToyServerMode: String, Sendable, CaseIterable {
    /// llama.cpp's `llama-server`: native `/tokenize`, `/detokenize`, `/completion` (token-id prompts,
    /// token-id grammars, `completion_probabilities`), `/props`, OpenAI chat with log-probs, and OpenAI
    /// completions that silently ignore `echo` (log-probs of generated tokens only), as llama-server does.
    case llamaServer = "llama"
    /// A vLLM / llama-cpp-python style OpenAI server: completions honour `echo` + `logprobs`, chat has
    /// log-probs; no native llama.cpp paths.
    case openAIEcho = "echo"
    /// llama-cpp-python's server: echo honoured, but BOS is not echoed (usage still counts it), a text's first
    /// token has a null log-prob, and a list of prompts is answered with HTTP 500.
    case llamaCppPython = "llama-cpp-python"
    /// An OpenAI server whose completions silently ignore `echo`; chat has log-probs; no native paths.
    case ignoresEcho = "ignore-echo"
    /// Chat completions (with log-probs) only.
    case chatOnly = "chat"
}

/// Serves a `ToyLanguageModel` in the wire formats of llama-server and OpenAI-compatible servers.
/// Use with `TestHTTPServer(routeAllPathsToResponder: true, responder: ToyModelServer.responder(...))`.
/// Generation is greedy (temperature is ignored); every answer is deterministic.
public enum ToyModelServer {
    /// A responder answering every path for `mode`; paths the mode does not serve get a 404 JSON error.
    public static func responder(model: ToyLanguageModel = ToyLanguageModel(),
                                 mode: ToyServerMode) -> @Sendable (TestRequest) -> TestReply {
        { request in reply(request, model: model, mode: mode) }
    }

    static func reply(_ request: TestRequest, model: ToyLanguageModel, mode: ToyServerMode) -> TestReply {
        let native = mode == .llamaServer
        switch (request.method, request.path) {
        case ("POST", "/tokenize") where native: return tokenize(request, model)
        case ("POST", "/detokenize") where native:
            let ids = request.json?["tokens"]?.arrayValue?.compactMap(\.intValue) ?? []
            return ok("{\"content\":\(JSONText.quoted(model.detokenize(ids)))}")
        case ("POST", "/completion") where native: return LlamaNative.completion(request, model)
        case ("GET", "/props") where native:
            return ok("{\"default_generation_settings\":{\"n_ctx\":\(model.contextSize),\"params\":{\"n_probs\":0}},"
                + "\"total_slots\":1,\"model_path\":\"toy.gguf\",\"build_info\":\"mizan-toy\",\"chat_template\":\"\"}")
        case ("POST", "/v1/completions"), ("POST", "/completions"):
            guard mode != .chatOnly else { return notFound(request) }
            return OpenAIToy.completions(request, model, honourEcho: mode == .openAIEcho || mode == .llamaCppPython,
                                         llamaCppPython: mode == .llamaCppPython)
        case ("POST", "/v1/chat/completions"), ("POST", "/chat/completions"):
            return OpenAIToy.chat(request, model)
        case ("GET", "/v1/models"), ("GET", "/models"), ("GET", "/health"): return .builtin
        default: return notFound(request)
        }
    }

    static func tokenize(_ request: TestRequest, _ model: ToyLanguageModel) -> TestReply {
        guard let content = request.json?["content"]?.stringValue else { return bad("'content' must be a string") }
        let ids = model.tokenize(content, addSpecial: request.json?["add_special"]?.boolValue ?? false)
        return ok("{\"tokens\":[\(ids.map(String.init).joined(separator: ","))]}")
    }

    static func ok(_ body: String) -> TestReply { .status(200, body: body) }

    static func bad(_ message: String, type: String = "invalid_request_error") -> TestReply {
        .status(400, body: "{\"error\":{\"code\":400,\"message\":\(JSONText.quoted(message)),\"type\":\(JSONText.quoted(type))}}")
    }

    static func notFound(_ request: TestRequest) -> TestReply {
        .status(404, body: DialectFormats.notFound(method: request.method, path: request.path))
    }

    static func tooLong(_ tokens: Int, _ model: ToyLanguageModel) -> TestReply {
        bad("the request exceeds the available context size (\(tokens) > \(model.contextSize) tokens), try increasing it",
            type: "exceed_context_size_error")
    }

    /// A finite double as JSON (Swift's shortest round-trip form, so the client reads back the same value).
    static func number(_ d: Double) -> String { "\(d)" }

    /// UTF-8 bytes as a JSON array.
    static func byteArray(_ b: [UInt8]) -> String { "[" + b.map { String($0) }.joined(separator: ",") + "]" }

    /// Greedy continuation of `sequence` for `count` tokens.
    static func greedy(_ model: ToyLanguageModel, after sequence: [Int], count: Int) -> [Int] {
        var seq = sequence, out: [Int] = []
        for _ in 0..<max(0, count) {
            let next = model.greedy(after: seq.last ?? ToyLanguageModel.bos)
            out.append(next)
            seq.append(next)
        }
        return out
    }
}

/// llama-server's native `/completion` for the toy model.
enum LlamaNative {
    /// Token ids forced by a token-id grammar `root ::= <[12]> <[34]>`; nil when the grammar is anything else.
    static func forcedTokens(_ grammar: String) -> [Int]? {
        guard let start = grammar.range(of: "root ::=") else { return nil }
        var rest = Substring(grammar[start.upperBound...])
        var ids: [Int] = []
        while true {
            rest = rest.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
            if rest.isEmpty { return ids.isEmpty ? nil : ids }
            guard rest.hasPrefix("<["), let close = rest.range(of: "]>"),
                  let id = Int(rest[rest.index(rest.startIndex, offsetBy: 2)..<close.lowerBound]) else { return nil }
            ids.append(id)
            rest = rest[close.upperBound...]
        }
    }

    static func completion(_ request: TestRequest, _ model: ToyLanguageModel) -> TestReply {
        guard let json = request.json else { return ToyModelServer.bad("body is not JSON") }
        var prompt: [Int]
        if let ids = json["prompt"]?.arrayValue {
            prompt = ids.compactMap(\.intValue)
            guard prompt.count == ids.count, prompt.allSatisfy({ (0..<model.vocabularySize).contains($0) }) else {
                return ToyModelServer.bad("'prompt' token ids must be integers below \(model.vocabularySize)")
            }
        } else if let text = json["prompt"]?.stringValue {
            prompt = model.tokenize(text, addSpecial: true)
        } else {
            return ToyModelServer.bad("'prompt' must be a string or an array of token ids")
        }
        let nPredict = json["n_predict"]?.intValue.flatMap { $0 >= 0 ? $0 : nil } ?? 16
        let nProbs = max(0, json["n_probs"]?.intValue ?? 0)
        var generated: [Int]
        if let grammar = json["grammar"]?.stringValue, !grammar.isEmpty {
            guard let forced = forcedTokens(grammar) else {
                return ToyModelServer.bad("the toy server understands only token-id grammars: root ::= <[id]> <[id]> …")
            }
            guard forced.allSatisfy({ (0..<model.vocabularySize).contains($0) }) else {
                return ToyModelServer.bad("grammar token id out of range")
            }
            generated = Array(forced.prefix(nPredict))
        } else {
            generated = ToyModelServer.greedy(model, after: prompt, count: nPredict)
        }
        guard prompt.count + generated.count <= model.contextSize else {
            return ToyModelServer.tooLong(prompt.count + generated.count, model)
        }
        var probs: [String] = []
        var previous = prompt.last ?? ToyLanguageModel.bos
        for id in generated {
            let lp = model.logProbabilities(after: previous)
            var entry = entryJSON(id, lp[id], model)
            if nProbs > 0 {
                let top = model.top(nProbs, after: previous).map { entryJSON($0.id, $0.logprob, model) + "}" }
                entry += ",\"top_logprobs\":[\(top.joined(separator: ","))]"
            }
            probs.append(entry + "}")
            previous = id
        }
        let content = model.detokenize(generated)
        var body = "{\"index\":0,\"content\":\(JSONText.quoted(content)),\"tokens\":[],\"id_slot\":0,\"stop\":true,"
            + "\"model\":\"toy\",\"tokens_predicted\":\(generated.count),\"tokens_evaluated\":\(prompt.count),"
            + "\"generation_settings\":{\"n_ctx\":\(model.contextSize),\"n_predict\":\(nPredict),\"n_probs\":\(nProbs),"
            + "\"temperature\":0},\"stop_type\":\"limit\",\"truncated\":false"
        if nProbs > 0 { body += ",\"completion_probabilities\":[\(probs.joined(separator: ","))]" }
        return ToyModelServer.ok(body + "}")
    }

    /// `{"id":…,"token":…,"bytes":[…],"logprob":…` (open: the caller may add fields and closes it).
    static func entryJSON(_ id: Int, _ logprob: Double, _ model: ToyLanguageModel) -> String {
        "{\"id\":\(id),\"token\":\(JSONText.quoted(model.piece(id))),\"bytes\":\(ToyModelServer.byteArray(model.bytes(of: id))),"
            + "\"logprob\":\(ToyModelServer.number(logprob))"
    }
}
