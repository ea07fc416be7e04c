import Foundation
import Testing
import MizanCore
import MizanHuman
import MizanStore

/// Two runs on one suite, stored as `mizan run` stores them, for human-study tests.
enum HumanFixture {
    /// A run of suite `suite` with items i00…, languages alternating Darija and Tamazight, answers "<prefix>-<item>".
    static func run(_ id: String, name: String, items: Int, suite: String = "h-suite", prefix: String, failing: Set<Int> = []) -> (RunRecord, [ItemRecord]) {
        let run = RunRecord(id: id, suiteID: suite, suiteVersion: "1.0.0", suiteHash: "h", endpoint: "e-\(prefix)", model: "m-\(prefix)",
                            status: .completed, startedAt: isoNow(), finishedAt: isoNow(), itemCount: items,
                            manifest: .object(["name": .string(name)]))
        let records = (0..<items).map { i -> ItemRecord in
            let item = String(format: "i%02d", i)
            let failed = failing.contains(i)
            return ItemRecord(itemID: item, language: i % 2 == 0 ? "ary-Arab" : "zgh-Tfng", requestHash: "\(id)-\(item)",
                              prompt: "prompt \(item) <b>", response: ModelResponse(text: failed ? nil : "\(prefix)-\(item)", httpStatus: failed ? 503 : 200,
                                                                                 latency: 0.1, failure: failed ? EndpointFailure(kind: .httpStatus, message: "HTTP 503") : nil),
                              scores: failed ? [] : [ScoreRecord(metric: "exact", metricVersion: "exact/1", value: i % 3 == 0 ? 1 : 0)],
                              references: ["ref \(item)"], fields: ["id": .string(item), "input": .string("input \(item)")])
        }
        return (run, records)
    }

    /// A store at `location` holding run A (baseline, answers "a-…") and run B (answers "b-…") with `items` items each.
    static func store(_ location: String, items: Int = 10) throws -> any ResultStore {
        let store = try openResultStore(location)
        for (run, records) in [run("run-a", name: "base", items: items, prefix: "a"), run("run-b", name: "cand", items: items, prefix: "b")] {
            try store.createRun(run)
            try store.record(runID: run.id, items: records)
        }
        return store
    }
}

@Suite(.timeLimit(.minutes(5))) struct HumanStudyTests {
    @Test(arguments: StoreKind.testable) func studyPairsAreSeededRecordedAndBlind(kind: StoreKind) throws {
        let studies = try HumanStudies(store: try HumanFixture.store(try kind.freshLocation()))
        let one = try studies.createStudy(StudySpec(name: "s1", runA: "run-a", runB: "run-b", seed: 7))
        let two = try studies.createStudy(StudySpec(name: "s2", runA: "run-a", runB: "run-b", seed: 7))
        let other = try studies.createStudy(StudySpec(name: "s3", runA: "run-a", runB: "run-b", seed: 8))
        #expect(one.study.pairCount == 10 && one.study.suiteID == "h-suite" && one.study.seed == 7)
        func order(_ id: String) throws -> [String] {
            let a = try studies.addAnnotators(study: id, names: ["x"])[0].annotator
            var seen: [String] = []
            while let p = try studies.nextPair(for: a) {
                // The page shows run B's answer first exactly when the pair says so.
                #expect(p.answerA.text == (p.bShownFirst ? "b-" : "a-") + p.itemID)
                #expect(p.references.isEmpty, "the study does not show references")
                seen.append("\(p.itemID):\(p.bShownFirst)")
                try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .a, submissionKey: UUID().uuidString)
            }
            return seen
        }
        let o1 = try order(one.study.id), o2 = try order(two.study.id), o3 = try order(other.study.id)
        #expect(o1.count == 10 && o1 == o2, "the same seed gives the same order and sides")
        #expect(o1 != o3, "another seed another order")
        #expect(Set(o1.map { $0.split(separator: ":")[1] }).count == 2, "both sides occur")
        #expect(try studies.study(matching: "s1").id == one.study.id)
        #expect(throws: HumanError.self) { try studies.study(matching: "nope") }
    }

    @Test(arguments: StoreKind.testable) func languageFilterReferencesAndErrors(kind: StoreKind) throws {
        let store = try openResultStore(try kind.freshLocation())
        for (run, records) in [HumanFixture.run("ra", name: "a", items: 6, prefix: "a", failing: [2]),
                               HumanFixture.run("rb", name: "b", items: 6, prefix: "b"),
                               HumanFixture.run("rc", name: "c", items: 6, suite: "other", prefix: "c")] {
            try store.createRun(run)
            try store.record(runID: run.id, items: records)
        }
        let studies = try HumanStudies(store: store)
        let s = try studies.createStudy(StudySpec(name: "tfng", runA: "ra", runB: "rb", language: "ary-Arab", showReference: true, seed: 1))
        #expect(s.study.pairCount == 3)
        let a = try studies.addAnnotators(study: s.study.id, names: ["Amina"])[0].annotator
        var errors = 0
        while let p = try studies.nextPair(for: a) {
            #expect(p.language == "ary-Arab" && p.references == ["ref \(p.itemID)"] && p.prompt == "prompt \(p.itemID) <b>")
            if p.itemID == "i02" {
                errors += 1
                let failed = p.bShownFirst ? p.answerB : p.answerA
                #expect(failed.text == nil && failed.error == "HTTP 503")
            }
            try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .tie, submissionKey: "k\(p.pair)")
        }
        #expect(errors == 1)
        #expect { try studies.createStudy(StudySpec(name: "x", runA: "ra", runB: "rc")) } throws: { "\($0)".contains("suite") }
        #expect { try studies.createStudy(StudySpec(name: "x", runA: "ra", runB: "ra")) } throws: { "\($0)".contains("two different runs") }
        #expect { try studies.createStudy(StudySpec(name: "x", runA: "ra", runB: "rb", language: "fr")) } throws: { "\($0)".contains("no answered item") }
    }

    @Test(arguments: StoreKind.testable) func tokensAreHashedAndOpenOnlyTheirStudy(kind: StoreKind) throws {
        let location = try kind.freshLocation()
        let studies = try HumanStudies(store: try HumanFixture.store(location))
        let s1 = try studies.createStudy(StudySpec(name: "one", runA: "run-a", runB: "run-b"))
        let s2 = try studies.createStudy(StudySpec(name: "two", runA: "run-a", runB: "run-b"))
        let tokens = try studies.addAnnotators(study: s1.study.id, names: ["Amina", "Yuba"])
        #expect(tokens.count == 2 && tokens[0].token != tokens[1].token)
        #expect(try studies.authenticate(token: tokens[1].token)?.name == "Yuba")
        #expect(try studies.authenticate(token: tokens[1].token)?.studyID == s1.study.id)
        #expect(try studies.authenticate(token: s1.ownerToken) == nil, "an owner token is not an annotator token")
        #expect(try studies.authenticate(token: "mza-0000") == nil)
        #expect(try studies.isOwner(study: s1.study.id, token: s1.ownerToken))
        #expect(try !studies.isOwner(study: s2.study.id, token: s1.ownerToken), "an owner token opens only its study")
        #expect(throws: HumanError.self) { try studies.authorizeOwner(study: s1.study.id, token: tokens[0].token) }
        #expect(try studies.annotators(study: s1.study.id).map(\.name) == ["Amina", "Yuba"])
        #expect(try studies.annotators(study: s2.study.id).isEmpty)
        if kind == .sqlite {
            // No token in clear anywhere in the store's files; the hash is there.
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes.append((try? Data(contentsOf: URL(fileURLWithPath: location + suffix))) ?? Data()) }
            let text = String(decoding: bytes, as: UTF8.self)
            for t in tokens.map(\.token) + [s1.ownerToken] { #expect(!text.contains(t)) }
            #expect(text.contains(SHA256.hex(tokens[0].token)))
        }
    }

    @Test(arguments: StoreKind.testable) func eachPairGoesToKAnnotatorsAndJudgmentsAreIdempotent(kind: StoreKind) throws {
        let studies = try HumanStudies(store: try HumanFixture.store(try kind.freshLocation(), items: 4))
        let s = try studies.createStudy(StudySpec(name: "k2", runA: "run-a", runB: "run-b", perItem: 2, seed: 3))
        let people = try studies.addAnnotators(study: s.study.id, names: ["a", "b", "c"]).map(\.annotator)
        #expect(try studies.progress(annotator: people[0]) == StudyProgress(done: 0, total: 4))
        var judged = 0
        var progressed = true
        while progressed {
            progressed = false
            for a in people {
                guard let p = try studies.nextPair(for: a) else { continue }
                #expect(try studies.nextPair(for: a)?.pair == p.pair, "an open assignment comes back until judged")
                let key = "\(a.id)-\(p.pair)"
                #expect(try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .b, submissionKey: key) == .recorded)
                #expect(try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .a, submissionKey: key) == .duplicate)
                #expect(try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .a, submissionKey: key + "x") == .alreadyJudged)
                judged += 1
                progressed = true
            }
        }
        let all = try studies.judgments(study: s.study.id)
        #expect(judged == 8 && all.count == 8, "4 pairs × K = 2, nothing doubled")
        #expect(Dictionary(grouping: all, by: \.pair).values.allSatisfy { Set($0.map(\.annotatorID)).count == 2 })
        #expect(all.allSatisfy { $0.verdict == .b })
        #expect(try studies.progress(study: s.study.id) == StudyProgress(done: 8, total: 8))
        let each = try people.map { try studies.progress(annotator: $0) }
        #expect(each.map(\.done).reduce(0, +) == 8 && each.allSatisfy { $0.total == $0.done }, "nothing left open to anyone: \(each)")
        // An annotator cannot take a pair that already has its K annotators.
        let notMine = try #require(all.map(\.pair).first { pair in !all.contains { $0.pair == pair && $0.annotatorID == people[0].id } })
        #expect { try studies.recordJudgment(annotator: people[0], pair: notMine, verdict: .a, submissionKey: "late") }
            throws: { ($0 as? HumanError)?.kind == .invalid }
        #expect { try studies.recordJudgment(annotator: people[0], pair: 99, verdict: .a, submissionKey: "none") }
            throws: { ($0 as? HumanError)?.kind == .notFound }
    }

    @Test(arguments: StoreKind.testable) func verdictsMapBackToRuns(kind: StoreKind) throws {
        let studies = try HumanStudies(store: try HumanFixture.store(try kind.freshLocation(), items: 6))
        let s = try studies.createStudy(StudySpec(name: "map", runA: "run-a", runB: "run-b", seed: 11))
        let a = try studies.addAnnotators(study: s.study.id, names: ["a"])[0].annotator
        // Always pick the answer of run B, wherever it is shown.
        while let p = try studies.nextPair(for: a) {
            let verdict: Verdict = p.answerA.text?.hasPrefix("b-") == true ? .a : .b
            try studies.recordJudgment(annotator: a, pair: p.pair, verdict: verdict, comment: "  ", submissionKey: "k\(p.pair)")
        }
        let js = try studies.judgments(study: s.study.id)
        #expect(js.count == 6 && js.allSatisfy { $0.outcome == .runB && $0.comment == nil })
        #expect(Set(js.map(\.verdict)) == [.a, .b], "the presented side varies, the outcome does not")
        let r = try studies.results(study: s.study.id)
        #expect(r.overall == WinTieLoss(runBWins: 6) && r.preference.winRateB?.value == 1)
        #expect(r.labelA == "base" && r.labelB == "cand")
        let reversed = try studies.preference(runA: "run-b", runB: "run-a")
        #expect(reversed?.tally == WinTieLoss(runAWins: 6) && reversed?.winRateB?.value == 0)
        #expect(try studies.preference(runA: "run-a", runB: "nope") == nil)
    }

    @Test(arguments: StoreKind.testable) func reviewsReplacePerReviewerAndReportCoverage(kind: StoreKind) throws {
        let studies = try HumanStudies(store: try HumanFixture.store(try kind.freshLocation(), items: 4))
        let s = try studies.createStudy(StudySpec(name: "rev", kind: .review, runA: "run-a", runB: "run-a"))
        let people = try studies.addAnnotators(study: s.study.id, names: ["Amina", "Yuba"]).map(\.annotator)
        let items = try studies.reviewItems(for: people[0])
        #expect(items.map(\.itemID) == ["i00", "i01", "i02", "i03"] && items[0].input == "input i00" && items[0].references == ["ref i00"])
        try studies.recordReview(annotator: people[0], itemID: "i00", submission: ReviewSubmission(decision: .ok))
        try studies.recordReview(annotator: people[0], itemID: "i00", submission: ReviewSubmission(decision: .fix, suggestedReference: "ⴰⵣⵓⵍ"))
        try studies.recordReview(annotator: people[1], itemID: "i00", submission: ReviewSubmission(decision: .remove, comment: "dup"))
        try studies.recordReview(annotator: people[1], itemID: "i01", submission: ReviewSubmission(decision: .ok))
        #expect(throws: HumanError.self) { try studies.recordReview(annotator: people[1], itemID: "i01", submission: ReviewSubmission(decision: .fix)) }
        #expect(throws: HumanError.self) { try studies.recordReview(annotator: people[1], itemID: "zz", submission: ReviewSubmission(decision: .ok)) }
        let reviews = try studies.reviews(suiteID: "h-suite", suiteVersion: "1.0.0")
        #expect(reviews.count == 3 && reviews[0].reviewer == "Amina" && reviews[0].submission.suggestedReference == "ⴰⵣⵓⵍ")
        #expect(try studies.reviewItems(for: people[0])[0].existing?.submission.decision == .fix)
        let c = try studies.reviewCoverage(suiteID: "h-suite", suiteVersion: "1.0.0", itemCount: 4)
        #expect(c.reviewedItems == 2 && c.itemsWithTwoOrMore == 1 && c.reviewers == ["Amina", "Yuba"])
        #expect(c.decisions == [.fix: 1, .remove: 1, .ok: 1])
    }

    @Test func studyTablesArriveByMigration() throws {
        let location = TestEnv.tempDir() + "/store.sqlite"
        let store = try openResultStore(location)
        #expect(try (store as? SQLResultStore)?.schemaVersion() == 7)
        #expect(throws: Never.self) { _ = try HumanStudies(store: store).studies() }
    }
}

/// Annotators on separate connections (as several server processes would be) never over-assign or double a judgment.
@Suite(.timeLimit(.minutes(5))) struct HumanConcurrencyTests {
    @Test(arguments: StoreKind.testable) func concurrentAnnotatorsOnTwoConnectionsKeepKPerPair(kind: StoreKind) async throws {
        let location = try kind.freshLocation()
        let setup = try HumanStudies(store: try HumanFixture.store(location, items: 12))
        let study = try setup.createStudy(StudySpec(name: "busy", runA: "run-a", runB: "run-b", perItem: 2, seed: 4)).study
        let people = try setup.addAnnotators(study: study.id, names: ["a", "b", "c", "d"]).map(\.annotator)
        let connections = [try HumanStudies(store: try openResultStore(location)), try HumanStudies(store: try openResultStore(location))]
        let outcomes = Locked<[RecordOutcome]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, a) in people.enumerated() {
                let studies = connections[i % 2], twin = connections[(i + 1) % 2]
                group.addTask {
                    while let p = try studies.nextPair(for: a) {
                        // The same form sent twice, once through each connection.
                        let key = "\(a.id)-\(p.pair)"
                        let first = try studies.recordJudgment(annotator: a, pair: p.pair, verdict: .tie, submissionKey: key)
                        let second = try twin.recordJudgment(annotator: a, pair: p.pair, verdict: .tie, submissionKey: key)
                        outcomes.withLock { $0 += [first, second] }
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = try setup.judgments(study: study.id)
        #expect(all.count == 24, "12 pairs × K = 2")
        #expect(Dictionary(grouping: all, by: \.pair).values.allSatisfy { $0.count == 2 && Set($0.map(\.annotatorID)).count == 2 })
        #expect(outcomes.current.filter { $0 == .recorded }.count == 24 && outcomes.current.filter { $0 == .duplicate }.count == 24)
    }
}

/// Bradley–Terry over several studies on one suite.
@Suite(.timeLimit(.minutes(5))) struct HumanSuiteStrengthTests {
    @Test func threeRunsInTwoStudiesAreRankedAndTwoRunsMatchTheClosedForm() throws {
        let store = try HumanFixture.store(TestEnv.tempDir() + "/store.sqlite", items: 8)
        let (run, records) = HumanFixture.run("run-c", name: "third", items: 8, prefix: "c")
        try store.createRun(run)
        try store.record(runID: run.id, items: records)
        let studies = try HumanStudies(store: store)
        // run-b beats run-a 6–2; run-c beats run-b 6–2.
        for (a, b) in [("run-a", "run-b"), ("run-b", "run-c")] {
            let st = try studies.createStudy(StudySpec(name: "\(a)-\(b)", runA: a, runB: b, seed: 9)).study
            let who = try studies.addAnnotators(study: st.id, names: ["x"])[0].annotator
            while let p = try studies.nextPair(for: who) {
                let bWins = p.pair < 6
                try studies.recordJudgment(annotator: who, pair: p.pair, verdict: bWins == p.bShownFirst ? .a : .b, submissionKey: "\(st.id)-\(p.pair)")
            }
            if a == "run-a" {
                let two = try studies.strengths(suite: "h-suite", resamples: 200)
                let units: [[Outcome]] = (0..<8).map { [$0 < 6 ? .runB : .runA] }
                #expect(two.map(\.runID) == ["run-a", "run-b"] && abs(two[1].logStrength.value - PairwiseStatistics.logStrengthB(units)) < 1e-9)
            }
        }
        let s = try studies.strengths(suite: "h-suite", resamples: 200)
        #expect(s.map(\.runID) == ["run-a", "run-b", "run-c"] && s.map(\.label) == ["base", "cand", "third"])
        #expect(s[0].logStrength.value == 0 && s[1].logStrength.value > 0 && s[2].logStrength.value > s[1].logStrength.value)
        #expect(s[2].logStrength.low <= s[2].logStrength.value && s[2].logStrength.value <= s[2].logStrength.high)
        #expect(try studies.strengths(suite: "other").isEmpty)
    }
}
