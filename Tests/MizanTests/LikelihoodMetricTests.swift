import Foundation
import MizanCore
import MizanMetrics
import MizanTestSupport
import Testing

/// Likelihood metric math with hand-computed values, and `mizan probe` through the CLI.
@Suite struct LikelihoodMetricTests {
    @Test func accuracyAndByteNormalisedAccuracy() {
        #expect(LikelihoodMetrics.acc([-1, -2, -3], gold: 0) == 1)
        #expect(LikelihoodMetrics.acc([-1, -2, -3], gold: 1) == 0)
        #expect(LikelihoodMetrics.acc([-1, -1], gold: 1) == 0) // first maximum wins a tie, as np.argmax
        // -4 over 8 bytes (-0.5/byte) beats -3 over 3 bytes (-1/byte): acc_norm and acc disagree.
        #expect(LikelihoodMetrics.accNorm([-4, -3], lengths: [8, 3], gold: 0) == 1)
        #expect(LikelihoodMetrics.acc([-4, -3], gold: 0) == 0)
    }

    @Test func goldMassBrierAndCalibration() {
        let lls = [log(0.5), log(0.3), log(0.2)]
        let p = LikelihoodMetrics.softmax(lls)
        #expect(zip(p, [0.5, 0.3, 0.2]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(LikelihoodMetrics.goldProbability(lls, gold: 1) - 0.3) < 1e-12)
        #expect(abs(LikelihoodMetrics.brier(lls, gold: 0) - 0.38) < 1e-12) // 0.25 + 0.09 + 0.04
        #expect(abs(LikelihoodMetrics.brier([0, -1000], gold: 1) - 2) < 1e-12)
        // Bin (0.9, 1]: accuracy 0.5, confidence 0.95; bin (0.5, 0.6]: accuracy 1, confidence 0.55.
        let ece = LikelihoodMetrics.expectedCalibrationError(confidences: [0.95, 0.95, 0.55, 0.55], correct: [true, false, true, true])
        #expect(abs(ece - 0.45) < 1e-12)
        #expect(LikelihoodMetrics.expectedCalibrationError(confidences: [1, 1], correct: [true, true]) == 0)
    }

    @Test func perplexitiesAndBitsPerByte() {
        #expect(abs(LikelihoodMetrics.bitsPerByte(logLikelihoods: [-8 * log(2.0)], bytes: [8]) - 1) < 1e-12)
        #expect(abs(LikelihoodMetrics.bitsPerByte(logLikelihoods: [-4 * log(2.0), -12 * log(2.0)], bytes: [2, 6]) - 2) < 1e-12)
        #expect(abs(LikelihoodMetrics.bytePerplexity(logLikelihoods: [-8 * log(2.0)], bytes: [8]) - 2) < 1e-12)
        #expect(abs(LikelihoodMetrics.wordPerplexity(logLikelihoods: [-2 * log(4.0)], words: [2]) - 4) < 1e-12)
        #expect(LikelihoodMetrics.wordCount("a b  c") == 3)
        #expect(LikelihoodMetrics.wordCount(" a") == 2) // re.split(r"\s+", " a") == ["", "a"]
        #expect(LikelihoodMetrics.wordCount("") == 1)
        #expect(LikelihoodMetrics.wordCount("الرباط عاصمة\nالمغرب") == 3)
    }

    @Test(.timeLimit(.minutes(5))) func probeCommandReportsCapabilities() throws {
        let server = try TestHTTPServer(routeAllPathsToResponder: true, responder: ToyModelServer.responder(mode: .llamaServer))
        let r = try TestEnv.run(TestEnv.mizanBinary, ["probe", "--endpoint", server.baseURL + "/v1", "--json"], cwd: TestEnv.tempDir())
        #expect(r.status == 0, "\(r.stderr)")
        let json = try StrictJSON.parse(r.stdout)
        #expect(json["capabilities"]?["grammar"]?["available"] == .bool(true))
        #expect(json["capabilities"]?["echo_logprobs"]?["available"] == .bool(false))
        #expect(json["likelihood_methods"] == .array([.string("llama.cpp-native"), .string("chat-label-top-logprobs")]))
        let table = try TestEnv.run(TestEnv.mizanBinary, ["probe", "--endpoint", server.baseURL + "/v1"], cwd: TestEnv.tempDir())
        #expect(table.status == 0 && table.stdout.contains("native_tokenize  yes"))
        let missing = try TestEnv.run(TestEnv.mizanBinary, ["probe"], cwd: TestEnv.tempDir())
        #expect(missing.status == 2 && missing.stderr.contains("--endpoint"))
    }
}
