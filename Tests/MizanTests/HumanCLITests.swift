import Foundation
import Testing
import MizanCore
import MizanHuman
import MizanStore

/// `mizan human …` and `mizan review …` through the binary, on real SQLite files.
@Suite(.timeLimit(.minutes(5))) struct HumanCLITests {
    /// A store with two runs of 10 items, and its path.
    static func store() throws -> String {
        let path = TestEnv.tempDir() + "/store.sqlite"
        _ = try HumanFixture.store(path)
        return path
    }

    static func mizan(_ args: [String], env: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        return try TestEnv.run(TestEnv.mizanBinary, args, environment: environment)
    }

    /// The value after `prefix` on the line that starts with it.
    static func field(_ text: String, after prefix: String) -> String? {
        text.components(separatedBy: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).components(separatedBy: " ")[0] }
    }

    @Test func createAnnotateAndReadResultsThroughTheCLI() throws {
        let store = try Self.store()
        let new = try Self.mizan(["human", "new", "--runs", "run-a", "run-b", "--name", "temps", "--per-item", "2", "--seed", "5", "--store", store])
        #expect(new.status == 0, "\(new.stderr)")
        let study = try #require(Self.field(new.stdout, after: "study "))
        let owner = try #require(Self.field(new.stdout, after: "owner token (shown once; keep it): "))
        #expect(new.stdout.contains("mizan serve --store \(store)") && new.stdout.contains("/studies/\(study)"))
        let studies = try HumanStudies(store: try openResultStore(store))
        #expect(try studies.isOwner(study: study, token: owner))

        let add = try Self.mizan(["human", "annotators", "temps", "--add", "Amina", "Yuba", "--store", store])
        #expect(add.status == 0, "\(add.stderr)")
        let tokens = add.stdout.components(separatedBy: "\n").compactMap { line in line.split(separator: " ").last.map(String.init) }
            .filter { $0.hasPrefix("mza-") }
        #expect(tokens.count == 2)
        let list = try Self.mizan(["human", "annotators", study, "--store", store])
        #expect(list.stdout.contains("Amina") && !tokens.contains { list.stdout.contains($0) }, "a listing never shows tokens")

        // Both annotators judge all 10 pairs: Amina always prefers run B, Yuba does on the first 8 pairs only.
        for (n, token) in tokens.enumerated() {
            let a = try #require(try studies.authenticate(token: token))
            var lines: [String] = []
            for pair in 0..<10 {
                let p = try studies.presentedPair(for: a, pair: pair)
                let preferB = n == 0 || pair < 8
                let verdict = (p.bShownFirst == preferB) ? "a" : "b"
                lines.append(#"{"pair": \#(pair), "verdict": "\#(verdict)", "key": "\#(n)-\#(pair)"}"#)
            }
            let judge = try Self.judge(store: store, token: token, input: lines.joined(separator: "\n") + "\n")
            #expect(judge.status == 0, "\(judge.stderr)")
            #expect(judge.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("recorded ") }.count == 10)
        }
        let results = try Self.mizan(["human", "results", study, "--format", "json", "--store", store])
        #expect(results.status == 0, "\(results.stderr)")
        let json = try #require(JSONValue.parse(results.stdout))
        // 18 B wins, 2 A wins: win rate 0.9; Cohen's κ: p_o = 0.8, both raters mostly "B": p_e = 1·0.8 = 0.8 → κ = 0.
        #expect(json["overall"]?["run_b_wins"]?.doubleValue == 18 && json["overall"]?["run_a_wins"]?.doubleValue == 2)
        #expect(json["win_rate_b"]?["value"]?.doubleValue == 0.9)
        #expect(json["agreement"]?["method"]?.stringValue == "cohen" && json["agreement"]?["kappa"]?.doubleValue == 0)
        let table = try Self.mizan(["human", "results", study, "--store", store])
        #expect(table.stdout.contains("90.0%") && table.stdout.contains("Cohen's κ = 0.000"))
        let library = try studies.results(study: study)
        #expect(table.stdout.contains(StudyReport.percentWithInterval(try #require(library.preference.winRateB))), "CLI and library show one number")

        let out = TestEnv.tempDir() + "/judgments.csv"
        let export = try Self.mizan(["human", "export", study, "--format", "csv", "--out", out, "--store", store])
        #expect(export.status == 0, "\(export.stderr)")
        let csv = try String(contentsOfFile: out, encoding: .utf8)
        #expect(csv.split(whereSeparator: \.isNewline).count == 21 && csv.hasPrefix("pair,item,sample,language,annotator,verdict,outcome"))
        #expect(!tokens.contains { csv.contains($0) } && !csv.contains(owner))
    }

    @Test func badInputIsRefusedWithWhatToDo() throws {
        let store = try Self.store()
        let one = try Self.mizan(["human", "new", "--runs", "run-a", "--name", "x", "--store", store])
        #expect(one.status == 2 && one.stderr.contains("two runs"))
        let missing = try Self.mizan(["human", "new", "--runs", "run-a", "nope", "--name", "x", "--store", store])
        #expect(missing.status == 2 && missing.stderr.contains("no run 'nope'"))
        let study = try Self.mizan(["human", "results", "nope", "--store", store])
        #expect(study.status == 2 && study.stderr.contains("mizan human new --runs"))
        let noToken = try Self.mizan(["human", "judge", "--store", store], env: ["MIZAN_ANNOTATOR_TOKEN": ""])
        #expect(noToken.status == 2 && noToken.stderr.contains("MIZAN_ANNOTATOR_TOKEN"))
    }

    /// Runs `mizan human judge` with `input` on standard input.
    static func judge(store: String, token: String, input: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let file = TestEnv.tempDir() + "/in.jsonl"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        return try TestEnv.run("/bin/sh", ["-c", "exec \"$0\" human judge --store \"$1\" < \"$2\"", TestEnv.mizanBinary, store, file],
                               environment: ProcessInfo.processInfo.environment.merging(["MIZAN_ANNOTATOR_TOKEN": token]) { $1 })
    }

    @Test func judgmentsConfirmedBeforeAKillAreAllThereAndNoneTwice() async throws {
        let store = try Self.store()
        let studies = try HumanStudies(store: try openResultStore(store))
        let study = try studies.createStudy(StudySpec(name: "kill", runA: "run-a", runB: "run-b", seed: 1)).study
        let token = try studies.addAnnotators(study: study.id, names: ["a"])[0].token
        let lines = (0..<10).map { #"{"pair": \#($0), "verdict": "tie", "key": "k\#($0)"}"# + "\n" }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestEnv.mizanBinary)
        p.arguments = ["human", "judge", "--store", store]
        p.environment = ProcessInfo.processInfo.environment.merging(["MIZAN_ANNOTATOR_TOKEN": token]) { $1 }
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        let seen = Locked("")
        output.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            seen.withLock { $0 += String(decoding: d, as: UTF8.self) }
        }
        try p.run()
        // Send five lines one at a time, each confirmed before the next; then a sixth, and kill -9 at once.
        for i in 0..<5 {
            input.fileHandleForWriting.write(Data(lines[i].utf8))
            try await TestEnv.waitUntil("judgment \(i) confirmed") { seen.current.contains("recorded k\(i)\n") }
        }
        input.fileHandleForWriting.write(Data(lines[5].utf8))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        #expect(p.terminationReason == .uncaughtSignal)

        let after = try HumanStudies(store: try openResultStore(store)).judgments(study: study.id)
        #expect(after.count == 5 || after.count == 6, "the five confirmed, and the sixth only if it committed")
        #expect(Set((0..<5).map { $0 }).isSubset(of: Set(after.map(\.pair))))
        // Sending everything again records the rest once and changes nothing of what is there.
        let again = try Self.judge(store: store, token: token, input: lines.joined())
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("duplicate ") }.count == after.count)
        let final = try HumanStudies(store: try openResultStore(store)).judgments(study: study.id)
        #expect(final.count == 10 && Set(final.map(\.pair)).count == 10)
    }
}

/// The human preference in `mizan compare` and `mizan gate`: the same figure as `mizan human results`.
@Suite(.timeLimit(.minutes(5))) struct HumanCompareGateTests {
    /// A store whose study between run-a and run-b has 10 judgments: 7 for run B, 2 for run A, 1 tie.
    static func judgedStore() throws -> (store: String, studies: HumanStudies, study: String) {
        let store = try HumanCLITests.store()
        let studies = try HumanStudies(store: try openResultStore(store))
        let study = try studies.createStudy(StudySpec(name: "t", runA: "run-a", runB: "run-b", seed: 2)).study
        let a = try studies.addAnnotators(study: study.id, names: ["a"])[0].annotator
        while let p = try studies.nextPair(for: a) {
            let outcome: Outcome = p.pair < 7 ? .runB : p.pair < 9 ? .runA : .tie
            let verdict: Verdict = outcome == .tie ? .tie : ((outcome == .runB) == p.bShownFirst ? .a : .b)
            try studies.recordJudgment(annotator: a, pair: p.pair, verdict: verdict, submissionKey: "k\(p.pair)")
        }
        return (store, studies, study.id)
    }

    @Test func compareShowsTheHumanPreferenceOfTheStudy() throws {
        let (store, studies, study) = try Self.judgedStore()
        let expected = try #require(try studies.results(study: study).preference.winRateB)
        #expect(expected.value == 0.75, "7 wins + half a tie over 10")
        let table = try HumanCLITests.mizan(["compare", "run-a", "run-b", "--store", store])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Human preference") && table.stdout.contains(StudyReport.percentWithInterval(expected)))
        let json = try HumanCLITests.mizan(["compare", "run-a", "run-b", "--format", "json", "--store", store])
        let row = try #require(JSONValue.parse(json.stdout)?["human_preference"])
        guard case .array(let rows) = row else { Issue.record("human_preference is not an array"); return }
        #expect(rows.count == 1 && rows[0]["win_rate_b"]?["value"]?.doubleValue == 0.75 && rows[0]["tally"]?["judged"]?.doubleValue == 10)
        // Reversed, the reference is run B: run A's win rate is the complement.
        let reversed = try HumanCLITests.mizan(["compare", "run-b", "run-a", "--store", store])
        #expect(reversed.stdout.contains("25.0% ["))
    }

    @Test func gateHoldsTheCandidateToAMinimumHumanWinRate() throws {
        let (store, _, _) = try Self.judgedStore()
        let dir = TestEnv.tempDir()
        func gate(_ rules: String) throws -> (status: Int32, stdout: String, stderr: String) {
            try rules.write(toFile: dir + "/gate.yaml", atomically: true, encoding: .utf8)
            return try HumanCLITests.mizan(["gate", "--baseline", "run-a", "--candidate", "run-b", "--rules", dir + "/gate.yaml", "--store", store])
        }
        let pass = try gate("version: 1\nrules:\n  - name: humans\n    min_human_win_rate: 0.7\n    max_human_loss_rate: 0.2\n")
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")
        let fail = try gate("version: 1\nrules:\n  - name: humans\n    min_human_win_rate: 0.8\n")
        #expect(fail.status == 1 && fail.stdout.contains("min_human_win_rate") && fail.stdout.contains("75.0%"), "\(fail.stdout)\(fail.stderr)")
        let loss = try gate("version: 1\nrules:\n  - name: humans\n    max_human_loss_rate: 0.1\n")
        #expect(loss.status == 1 && loss.stdout.contains("2 of 10"), "\(loss.stdout)")
        let bad = try gate("version: 1\nrules:\n  - name: humans\n    min_human_win_rate: 2\n")
        #expect(bad.status == 2 && bad.stderr.contains("min_human_win_rate"))
        // Without any study between the runs the rule fails and says what to do.
        let other = TestEnv.tempDir() + "/store.sqlite"
        _ = try HumanFixture.store(other)
        try "version: 1\nrules:\n  - name: humans\n    min_human_win_rate: 0.5\n".write(toFile: dir + "/gate.yaml", atomically: true, encoding: .utf8)
        let none = try HumanCLITests.mizan(["gate", "--baseline", "run-a", "--candidate", "run-b", "--rules", dir + "/gate.yaml", "--store", other])
        #expect(none.status == 1 && none.stdout.contains("mizan human new --runs run-a run-b"), "\(none.stdout)")
    }
}
