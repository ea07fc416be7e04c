import Foundation
import MizanCore
import MizanHuman
import Testing

/// `mizan serve` killed with SIGKILL in the middle of a study: every judgment the server acknowledged is in the store
/// after a restart, none twice, and a form whose answer was lost to the kill can be resent without being counted twice.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct WebCrashTests {
    @Test func killNineMidStudyLosesNoAcknowledgedJudgmentAndCountsNoneTwice() async throws {
        let dir = TestEnv.tempDir()
        let (store, runA, runB) = try WebFixtures.twoRuns(in: dir)
        // 12 pairs, each to all three annotators: 36 judgments when the study is done.
        let study = try WebFixtures.study(store: store, runA: runA, runB: runB, perItem: 3, annotators: ["Amina", "Yassine", "Tiziri"])
        let server = try RestartableServe(store: store, log: dir + "/serve.log")
        try await server.start()
        let annotators = study.tokens.map { SimulatedAnnotator(name: $0.name, token: $0.token, base: server.base) }
        for a in annotators { try await a.login() }

        // Phase 1: the three annotators judge concurrently, pair after pair; the server is killed (SIGKILL) once 12
        // judgments are acknowledged, while the others' requests are in flight.
        let sent = Locked([SentJudgment]())
        let killed = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, a) in annotators.enumerated() {
                group.addTask {
                    var i = n
                    while !killed.current {
                        guard let form = try? await a.currentForm() else { return }  // the server is gone
                        let verdict = form.verdicts[i % form.verdicts.count]
                        i += 1
                        let ok = (try? await a.submit(form, verdict: verdict)) ?? false
                        sent.withLock { $0.append(SentJudgment(annotator: a.name, pair: form["pair"] ?? "?", verdict: verdict, form: form, acknowledged: ok)) }
                        if !ok { return }
                    }
                }
            }
            group.addTask {
                try await TestEnv.waitUntil("12 acknowledged judgments before the kill", timeout: 120) {
                    sent.current.filter(\.acknowledged).count >= 12
                }
                // Killed before the flag is set: the annotators' requests at that moment fail mid-flight.
                server.kill9()
                killed.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        #expect(!server.isRunning)
        let before = sent.current
        let acknowledged = before.filter(\.acknowledged)
        #expect(acknowledged.count >= 12)

        // Phase 2: restart on the same store; sessions were in memory, so everyone logs in again. A form sent but not
        // acknowledged is resent as the browser would (same submission key, the new session's CSRF token); one
        // acknowledged form is resent too (a double submit): neither may be counted twice.
        try await server.start()
        var resent: [SentJudgment] = []
        for a in annotators {
            try await a.login()
            let csrf: String = try #require(await a.csrf(), "\(a.name) has pairs left, so the annotation page has a form")
            for s in before where s.annotator == a.name && !s.acknowledged {
                #expect(try await a.submit(s.form, verdict: s.verdict, csrf: csrf), "the resent form of \(a.name), pair \(s.pair)")
                resent.append(s)
            }
        }
        let again = try #require(acknowledged.first)
        let repeater = try #require(annotators.first { $0.name == again.annotator })
        let repeaterCSRF: String = try #require(await repeater.csrf())
        #expect(try await repeater.submit(again.form, verdict: again.verdict, csrf: repeaterCSRF))

        // Phase 3: everyone finishes the study on the restarted server.
        var after: [SentJudgment] = []
        for a in annotators {
            var i = 0
            while let form = try await a.currentForm() {
                let verdict = form.verdicts[i % form.verdicts.count]
                i += 1
                let ok = try await a.submit(form, verdict: verdict)
                #expect(ok, "judgment \(i) of \(a.name) after the restart")
                after.append(SentJudgment(annotator: a.name, pair: form["pair"] ?? "?", verdict: verdict, form: form, acknowledged: ok))
                guard ok, i <= 12 else { break }
            }
        }
        server.stop()

        // The store, read directly: every acknowledged judgment with its verdict, every pair once per annotator, and
        // the study complete (12 pairs × 3 annotators).
        let stored = try StoredJudgments.of(study: study.id, store: store)
        var seen: [String: Judgment] = [:]
        for j in stored {
            let key = "\(j.annotatorName)|\(j.pair)"
            #expect(seen[key] == nil, "\(j.annotatorName) judged pair \(j.pair) twice in the store")
            seen[key] = j
        }
        for s in acknowledged + resent + after {
            let j = seen["\(s.annotator)|\(s.pair)"]
            #expect(j != nil, "acknowledged judgment of \(s.annotator) on pair \(s.pair) is missing after kill -9")
            #expect(j?.verdict.rawValue == s.verdict, "\(s.annotator), pair \(s.pair): stored \(j?.verdict.rawValue ?? "-"), sent \(s.verdict)")
        }
        #expect(stored.count == 36, "12 pairs × 3 annotators; the store has \(stored.count)")
        print("web kill -9: \(acknowledged.count) acknowledged before the kill, \(before.count - acknowledged.count) in flight and resent, "
              + "\(after.count) after the restart; store: \(stored.count) judgments, none twice")
    }
}
