/// OpenAI-compatible completions and chat for the toy model (see `ToyModelServer`).
enum OpenAIToy {
    /// One scored position of a completions `logprobs` listing.
    struct Row {
        var id: Int
        var logprob: Double?
        var previous: Int
    }

    /// Legacy completions. With `honourEcho` and `echo: true` the listing covers BOS (text "", log-prob null),
    /// every prompt token, then the generated ones, and `text` is prompt + generated; otherwise only the
    /// generated tokens. `text_offset` counts the Unicode scalars before each token (a token starting
    /// inside a multi-byte character gets the offset of that character's end). `prompt` may be an array of
    /// strings: one choice per prompt, as vLLM does. `llamaCppPython` answers as llama-cpp-python's server: no BOS
    /// row, a null log-prob for the first prompt token, and HTTP 500 for a list of prompts.
    static func completions(_ request: TestRequest, _ model: ToyLanguageModel, honourEcho: Bool, llamaCppPython: Bool = false) -> TestReply {
        guard let json = request.json else { return ToyModelServer.bad("body is not JSON") }
        let prompts: [String]
        if let s = json["prompt"]?.stringValue {
            prompts = [s]
        } else if let a = json["prompt"]?.arrayValue, !a.isEmpty, a.allSatisfy({ $0.stringValue != nil }) {
            prompts = a.compactMap(\.stringValue)
        } else {
            return ToyModelServer.bad("'prompt' must be a string or an array of strings")
        }
        if llamaCppPython && prompts.count > 1 {
            return .status(500, body: "{\"detail\":\"prompt must be a string\"}")
        }
        let maxTokens = max(0, json["max_tokens"]?.intValue ?? 16)
        let k = json["logprobs"]?.intValue
        let echo = honourEcho && json["echo"]?.boolValue == true
        var choices: [String] = []
        var promptTotal = 0, completionTotal = 0
        for (index, prompt) in prompts.enumerated() {
            let ids = model.tokenize(prompt, addSpecial: true)
            let generated = ToyModelServer.greedy(model, after: ids, count: maxTokens)
            guard ids.count + generated.count <= model.contextSize else {
                return ToyModelServer.tooLong(ids.count + generated.count, model)
            }
            promptTotal += ids.count
            completionTotal += generated.count
            var rows: [Row] = []
            if echo {
                if !llamaCppPython { rows.append(Row(id: ToyLanguageModel.bos, logprob: nil, previous: ToyLanguageModel.bos)) }
                for i in 1..<ids.count { rows.append(Row(id: ids[i], logprob: llamaCppPython && i == 1 ? nil : 0, previous: ids[i - 1])) }
            }
            var previous = ids.last ?? ToyLanguageModel.bos
            for id in generated { rows.append(Row(id: id, logprob: 0, previous: previous)); previous = id }
            let text = (echo ? prompt : "") + model.detokenize(generated)
            var choice = "{\"index\":\(index),\"text\":\(JSONText.quoted(text)),\"finish_reason\":\"length\",\"logprobs\":"
            choice += k.map { listing(rows, k: $0, model: model, allIDs: echo ? ids + generated : generated) } ?? "null"
            choices.append(choice + "}")
        }
        return ToyModelServer.ok("{\"id\":\"cmpl-toy\",\"object\":\"text_completion\",\"created\":0,\"model\":\"toy\","
            + "\"choices\":[\(choices.joined(separator: ","))],\"usage\":{\"prompt_tokens\":\(promptTotal),"
            + "\"completion_tokens\":\(completionTotal),\"total_tokens\":\(promptTotal + completionTotal)}}")
    }

    /// The legacy `logprobs` object: `tokens`, `token_logprobs`, `top_logprobs`, `text_offset`.
    static func listing(_ rows: [Row], k: Int, model: ToyLanguageModel, allIDs: [Int]) -> String {
        var tokens: [String] = [], lps: [String] = [], tops: [String] = [], offsets: [String] = []
        var bytesBefore: [UInt8] = []
        for (i, row) in rows.enumerated() {
            let isBOS = row.id == ToyLanguageModel.bos && i == 0 && row.logprob == nil
            tokens.append(JSONText.quoted(isBOS ? "" : model.piece(row.id)))
            offsets.append(String(completeScalars(bytesBefore)))
            if row.logprob == nil {
                lps.append("null")
                tops.append("null")
            } else {
                lps.append(ToyModelServer.number(model.logProbability(of: row.id, after: row.previous)))
                let top = model.top(k, after: row.previous).map {
                    JSONText.quoted(model.piece($0.id)) + ":" + ToyModelServer.number($0.logprob)
                }
                tops.append("{" + top.joined(separator: ",") + "}")
            }
            bytesBefore += model.bytes(of: row.id)
        }
        return "{\"tokens\":[\(tokens.joined(separator: ","))],\"token_logprobs\":[\(lps.joined(separator: ","))],"
            + "\"top_logprobs\":[\(tops.joined(separator: ","))],\"text_offset\":[\(offsets.joined(separator: ","))]}"
    }

    /// Unicode scalars completely contained in `bytes` (a trailing partial character does not count).
    static func completeScalars(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) } - partialTail(bytes)
    }

    /// 1 when `bytes` ends inside a multi-byte character, else 0.
    static func partialTail(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1, continuation = 0
        while i >= 0, (bytes[i] & 0xC0) == 0x80 { continuation += 1; i -= 1 }
        guard i >= 0 else { return 0 }
        let lead = bytes[i]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return continuation + 1 < length ? 1 : 0
    }

    /// Chat completions: the model continues BOS + the last user message greedily for `max_tokens`
    /// (or `max_completion_tokens`, default 16); `logprobs: true` + `top_logprobs: k` (at most 20, as OpenAI)
    /// adds `choices[0].logprobs.content`.
    static func chat(_ request: TestRequest, _ model: ToyLanguageModel) -> TestReply {
        guard let json = request.json, json["messages"]?.arrayValue != nil else {
            return ToyModelServer.bad("'messages' must be an array")
        }
        let maxTokens = max(0, json["max_tokens"]?.intValue ?? json["max_completion_tokens"]?.intValue ?? 16)
        let k = json["top_logprobs"]?.intValue ?? 0
        guard k <= 20 else { return ToyModelServer.bad("top_logprobs must be at most 20") }
        let ids = model.tokenize(request.prompt, addSpecial: true)
        let generated = ToyModelServer.greedy(model, after: ids, count: maxTokens)
        guard ids.count + generated.count <= model.contextSize else {
            return ToyModelServer.tooLong(ids.count + generated.count, model)
        }
        var logprobs = "null"
        if json["logprobs"]?.boolValue == true {
            var content: [String] = []
            var previous = ids.last ?? ToyLanguageModel.bos
            for id in generated {
                func entry(_ id: Int, _ lp: Double) -> String {
                    "{\"token\":\(JSONText.quoted(model.piece(id))),\"logprob\":\(ToyModelServer.number(lp)),"
                        + "\"bytes\":\(ToyModelServer.byteArray(model.bytes(of: id)))"
                }
                let top = model.top(k, after: previous).map { entry($0.id, $0.logprob) + "}" }
                content.append(entry(id, model.logProbability(of: id, after: previous))
                    + ",\"top_logprobs\":[\(top.joined(separator: ","))]}")
                previous = id
            }
            logprobs = "{\"content\":[\(content.joined(separator: ","))]}"
        }
        return ToyModelServer.ok("{\"id\":\"chatcmpl-toy\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"toy\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\(JSONText.quoted(model.detokenize(generated)))},\"logprobs\":\(logprobs),\"finish_reason\":\"length\"}],"
            + "\"usage\":{\"prompt_tokens\":\(ids.count),\"completion_tokens\":\(generated.count),"
            + "\"total_tokens\":\(ids.count + generated.count)}}")
    }
}
