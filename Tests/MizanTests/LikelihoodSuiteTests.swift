import Foundation
import MizanCore
import MizanMetrics
import MizanSuites
import Testing

/// The likelihood suite format (docs/likelihood.md): `scoring: loglikelihood`, `prompt.continuation`, tasks
/// `loglikelihood` and `rolling`, their validation, content hash and metrics.
@Suite(.timeLimit(.minutes(5))) struct LikelihoodSuiteTests {
    static func yaml(task: String, extra: String = "", metrics: String) -> String {
        """
        id: ll
        version: 1.0.0
        language: fra-Latn
        task: \(task)
        metrics: \(metrics)
        """ + (extra.isEmpty ? "" : "\n" + extra)
    }

    static let mcItems = [#"{"id": "1", "input": "La capitale du Maroc est", "choices": ["Rabat", "Paris"], "answer": 0}"#]

    static func load(_ yaml: String, items: [String] = mcItems) throws -> Suite {
        try SuiteLoader.load(folder: try TestEnv.writeSuite(in: TestEnv.tempDir(), id: "ll", yaml: yaml, items: items))
    }

    static func problems(_ yaml: String, items: [String] = mcItems) -> [InputError] {
        do {
            _ = try load(yaml, items: items)
            return []
        } catch let e as InputErrors { return e.errors } catch { return [InputError(file: "?", problem: "\(error)", remedy: "")] }
    }

    @Test func multipleChoiceByLikelihoodLoadsWithItsContinuationInTheHash() throws {
        let base = Self.yaml(task: "multiple-choice", extra: "scoring: loglikelihood\nprompt:\n  template: \"{{input}}\"",
                             metrics: "[acc, acc_norm, gold_prob, brier]")
        let suite = try Self.load(base)
        #expect(suite.task == .multipleChoice && suite.scoring == .loglikelihood && suite.likelihoodTask == .multipleChoice)
        #expect(suite.likelihood.continuationTemplate == " {{choice}}" && !suite.likelihood.sequential)
        #expect(LikelihoodPrompt.continuations(suite, item: suite.items[0]) == [" Rabat", " Paris"])
        let lettered = try Self.load(base + "\n  continuation: \" {{label}}\"\nlikelihood:\n  sequential: true")
        #expect(LikelihoodPrompt.continuations(lettered, item: lettered.items[0]) == [" A", " B"])
        #expect(lettered.likelihood.sequential)
        #expect(lettered.contentHash != suite.contentHash)
        // The same suite answered by generation hashes differently: scoring is part of what is measured.
        let generated = try Self.load(Self.yaml(task: "multiple-choice", extra: "prompt:\n  template: \"{{input}}\"", metrics: "[acc]")
            .replacingOccurrences(of: "[acc]", with: "[choice]"))
        let generatedWithSameMetrics = base.replacingOccurrences(of: "scoring: loglikelihood\n", with: "")
            .replacingOccurrences(of: "[acc, acc_norm, gold_prob, brier]", with: "[choice]")
        #expect(try Self.load(generatedWithSameMetrics).contentHash == generated.contentHash)
        #expect(generated.likelihoodTask == nil)
    }

    @Test func loglikelihoodAndRollingTasksNeedNoPromptBlock() throws {
        let ll = try Self.load(Self.yaml(task: "loglikelihood", metrics: "[loglikelihood, is_greedy]"),
                               items: [#"{"id": "1", "input": "La capitale du Maroc est", "target": " Rabat"}"#])
        #expect(ll.likelihoodTask == .loglikelihood && ll.template == "{{input}}")
        #expect(LikelihoodPrompt.context(ll, item: ll.items[0]) == "La capitale du Maroc est")
        #expect(LikelihoodPrompt.continuations(ll, item: ll.items[0]) == [" Rabat"])
        let rolling = try Self.load(Self.yaml(task: "rolling", metrics: "[bits_per_byte, byte_perplexity, word_perplexity]"),
                                    items: [#"{"id": "1", "input": "Bonjour tout le monde."}"#])
        #expect(rolling.likelihoodTask == .rolling && rolling.task.rawValue == "rolling")
        #expect(rolling.contentHash != ll.contentHash)
    }

    @Test func badLikelihoodSuitesNameFileFieldAndRemedy() {
        let generation = Self.problems(Self.yaml(task: "rolling", extra: "generation:\n  max_tokens: 5", metrics: "[bits_per_byte]"),
                                       items: [#"{"id": "1", "input": "x"}"#])
        #expect(generation.count == 1 && generation[0].file.hasSuffix("ll/suite.yaml") && generation[0].field == "generation"
            && generation[0].line != nil && generation[0].remedy.contains("remove the `generation:` block"))
        let chrf = Self.problems(Self.yaml(task: "rolling", metrics: "[bits_per_byte, chrf]"), items: [#"{"id": "1", "input": "x"}"#])
        #expect(chrf.count == 1 && chrf[0].problem.contains("'chrf' does not fit task rolling") && chrf[0].remedy.contains("bits_per_byte"))
        let acc = Self.problems(Self.yaml(task: "multiple-choice", extra: "prompt:\n  template: \"{{input}}\"", metrics: "[acc]"))
        #expect(acc.count == 1 && acc[0].problem.contains("scores log-likelihoods") && acc[0].remedy.contains("scoring: loglikelihood"))
        let accOnGeneration = Self.problems(Self.yaml(task: "generation", extra: "prompt:\n  template: \"{{input}}\"", metrics: "[acc]"),
                                            items: [#"{"id": "1", "input": "x", "reference": "y"}"#])
        #expect(accOnGeneration.count == 1)
        let target = Self.problems(Self.yaml(task: "loglikelihood", metrics: "[loglikelihood]"), items: [#"{"id": "1", "input": "x"}"#])
        #expect(target.count == 1 && target[0].field == "target" && target[0].line == 1 && target[0].file.hasSuffix("items.jsonl"))
        let constant = Self.problems(Self.yaml(task: "multiple-choice", extra: "scoring: loglikelihood\nprompt:\n  template: \"{{input}}\"\n"
            + "  continuation: \" yes\"", metrics: "[acc]"))
        #expect(constant.count == 1 && constant[0].problem.contains("neither {{choice}} nor {{label}}"))
        let scoring = Self.problems(Self.yaml(task: "rolling", extra: "scoring: loglikelihood", metrics: "[bits_per_byte]"),
                                    items: [#"{"id": "1", "input": "x"}"#])
        #expect(scoring.count == 1 && scoring[0].field == "scoring")
        let unknown = Self.problems(Self.yaml(task: "multiple-choice", extra: "scoring: logprob\nprompt:\n  template: \"{{input}}\"",
                                              metrics: "[choice]"))
        #expect(unknown.count == 1 && unknown[0].remedy.contains("loglikelihood"))
    }

    @Test func validateAcceptsAndRefusesThroughTheCLI() throws {
        let dir = TestEnv.tempDir()
        let good = try TestEnv.writeSuite(in: dir, id: "good", yaml: Self.yaml(task: "rolling", metrics: "[bits_per_byte]")
            .replacingOccurrences(of: "id: ll", with: "id: good"), items: [#"{"id": "1", "input": "Bonjour."}"#])
        let ok = try TestEnv.run(TestEnv.mizanBinary, ["validate", good, "--prompts", dir])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("ok     good@1.0.0"))
        let bad = try TestEnv.writeSuite(in: dir, id: "bad", yaml: Self.yaml(task: "rolling", metrics: "[chrf]")
            .replacingOccurrences(of: "id: ll", with: "id: bad"), items: [#"{"id": "1", "input": "Bonjour."}"#])
        let refused = try TestEnv.run(TestEnv.mizanBinary, ["validate", bad, "--prompts", dir])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("bad/suite.yaml:5") && refused.stderr.contains("'chrf' does not fit task rolling"))
    }

    @Test func metricsReadTheStoredAnswer() async throws {
        let answer = LikelihoodAnswer(method: "llama.cpp-native", choices: [
            LikelihoodAnswer.Choice(continuation: " Rabat", logprob: -3, tokens: 1, greedy: false, bytes: 6),
            LikelihoodAnswer.Choice(continuation: " Fes", logprob: -2.5, tokens: 4, greedy: true, bytes: 4),
        ])
        #expect(try LikelihoodAnswer.parse(answer.text) == answer)
        let input = MetricInput(itemID: "1", output: answer.text, choices: ["Rabat", "Fes"], answerIndex: 0, language: LanguageTag("fra-Latn")!)
        func value(_ name: String, _ input: MetricInput) async throws -> Double? {
            try await MetricRegistry.make(MetricSpec(name: name)).score(input).value
        }
        #expect(try await value("acc", input) == 0)  // −2.5 > −3
        #expect(try await value("acc_norm", input) == 1)  // −3/5 = −0.6 > −2.5/3 ≈ −0.833 (code points after the space)
        #expect(try await value("acc_bytes", input) == 1)  // −3/5 = −0.6 > −2.5/3 ≈ −0.833 (bytes after the space)
        // Arabic script: 2 UTF-8 bytes per letter, so dividing by characters (lm-eval) and by bytes pick different choices.
        let arabic = LikelihoodAnswer(method: "llama.cpp-native", choices: [
            LikelihoodAnswer.Choice(continuation: " الرباط", logprob: -9, tokens: 3, greedy: false, bytes: 13),
            LikelihoodAnswer.Choice(continuation: " Fes", logprob: -4, tokens: 2, greedy: true, bytes: 4),
        ])
        let ar = MetricInput(itemID: "3", output: arabic.text, choices: ["الرباط", "Fes"], answerIndex: 0, language: LanguageTag("ary-Arab")!)
        #expect(try await value("acc_norm", ar) == 0)  // −9/6 = −1.5 < −4/3 ≈ −1.333
        #expect(try await value("acc_bytes", ar) == 1)  // −9/12 = −0.75 > −4/3 ≈ −1.333
        #expect(LikelihoodMetrics.choiceBytes(ofContinuation: " الرباط") == 12)
        #expect(LikelihoodMetrics.choiceLength(ofContinuation: " الرباط") == 6)
        let p0 = 1 / (1 + exp(0.5))
        #expect(abs(try await value("gold_prob", input)! - p0) < 1e-15)
        #expect(abs(try await value("brier", input)! - 2 * (1 - p0) * (1 - p0)) < 1e-15)
        // A generated answer is not a likelihood answer: the metric says so instead of scoring 0.
        let text = try await MetricRegistry.make(MetricSpec(name: "acc")).score(MetricInput(itemID: "1", output: "A", choices: ["a", "b"],
                                                                                            answerIndex: 0, language: LanguageTag("fra-Latn")!))
        #expect(text.value == nil && text.error?.contains("not a stored likelihood answer") == true)
        let rolling = LikelihoodAnswer(method: "openai-echo", rolling: .init(logprob: -20, tokens: 9, windows: 1, bytes: 10, words: 2))
        let r = MetricInput(itemID: "2", output: rolling.text, language: LanguageTag("fra-Latn")!)
        #expect(abs(try await value("bits_per_byte", r)! - 2 / log(2)) < 1e-12)
        #expect(abs(try await value("byte_perplexity", r)! - exp(2)) < 1e-12)
        #expect(abs(try await value("word_perplexity", r)! - exp(10)) < 1e-9)
        #expect(try await value("acc", r) == nil)
        #expect(MetricRegistry.scale(ofMetric: "brier") == .bounded(low: 0, high: 2) && MetricRegistry.scale(ofMetric: "bits_per_byte") == .unbounded)
    }
}
