import Foundation
import MizanCore
import MizanHuman
import Testing

/// 20 annotators judging at once against one `mizan serve`: every request answered without error, every acknowledged
/// judgment stored once with its verdict, no pair judged twice by one annotator or by more than K annotators, and a
/// form submitted twice (a double click) counted once. The test runs for MIZAN_WEB_LOAD_SECONDS (default 5);
/// Benchmarks/web-load.sh runs it for a minute. No timing is asserted: the numbers are printed.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct WebLoadTests {
    static let seconds = Double(ProcessInfo.processInfo.environment["MIZAN_WEB_LOAD_SECONDS"] ?? "") ?? 5
    static let items = Int(ProcessInfo.processInfo.environment["MIZAN_WEB_LOAD_ITEMS"] ?? "") ?? 300

    @Test func twentyAnnotatorsAtOnceLoseAndDoubleNothing() async throws {
        let dir = TestEnv.tempDir()
        let (store, runA, runB) = try WebFixtures.manyItems(Self.items, in: dir)
        let names = (1...20).map { "annotator-\($0)" }
        let study = try WebFixtures.study(store: store, runA: runA, runB: runB, perItem: 3, annotators: names)
        let server = try RestartableServe(store: store, log: dir + "/serve.log")
        try await server.start()
        let annotators = study.tokens.map { SimulatedAnnotator(name: $0.name, token: $0.token, base: server.base) }
        for a in annotators { try await a.login() }

        struct Tally: Sendable {
            var sent: [SentJudgment] = []
            var doubles = 0
            var requests = 0
            var errors: [String] = []
            var finished = 0
        }
        let tally = Locked(Tally())
        let deadline = Date().addingTimeInterval(Self.seconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, a) in annotators.enumerated() {
                group.addTask {
                    var i = n
                    while Date() < deadline {
                        let form: AnnotationForm?
                        do { form = try await a.currentForm() } catch {
                            tally.withLock { $0.errors.append("\(a.name) GET: \(error)") }
                            return
                        }
                        guard let form else {
                            tally.withLock { $0.requests += 1; $0.finished += 1 }
                            return
                        }
                        let verdict = form.verdicts[i % form.verdicts.count]
                        i += 1
                        do {
                            let ok = try await a.submit(form, verdict: verdict)
                            // Every tenth form is sent twice, as a double click would.
                            let double = i % 10 == 0
                            var again = true
                            if double { again = try await a.submit(form, verdict: verdict) }
                            tally.withLock {
                                $0.requests += double ? 3 : 2
                                $0.doubles += double ? 1 : 0
                                $0.sent.append(SentJudgment(annotator: a.name, pair: form["pair"] ?? "?", verdict: verdict, form: form, acknowledged: ok))
                                if !ok || !again { $0.errors.append("\(a.name) POST pair \(form["pair"] ?? "?") not acknowledged") }
                            }
                        } catch {
                            tally.withLock { $0.errors.append("\(a.name) POST: \(error)") }
                            return
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        server.stop()
        let t = tally.current
        #expect(t.errors.isEmpty, "\(t.errors.count) errors, first: \(t.errors.prefix(3))")
        let acknowledged = t.sent.filter(\.acknowledged)
        #expect(acknowledged.count >= 20, "every annotator judged at least once")

        let stored = try StoredJudgments.of(study: study.id, store: store)
        var byKey: [String: Judgment] = [:]
        var perPair: [Int: Int] = [:]
        for j in stored {
            #expect(byKey.updateValue(j, forKey: "\(j.annotatorName)|\(j.pair)") == nil, "\(j.annotatorName) judged pair \(j.pair) twice")
            perPair[j.pair, default: 0] += 1
        }
        #expect(perPair.values.allSatisfy { $0 <= 3 }, "a pair has more than K = 3 judgments")
        for s in acknowledged {
            #expect(byKey["\(s.annotator)|\(s.pair)"]?.verdict.rawValue == s.verdict, "\(s.annotator), pair \(s.pair) is missing or changed")
        }
        #expect(stored.count == acknowledged.count, "acknowledged \(acknowledged.count), stored \(stored.count)")
        print("web load: 20 annotators for \(Self.seconds) s on \(Self.items) pairs (K = 3): \(t.requests) requests, \(t.errors.count) errors, "
              + "\(acknowledged.count) judgments acknowledged and stored (\(stored.count)), \(t.doubles) double submits counted once, "
              + "\(t.finished) annotators ran out of pairs")
    }
}
