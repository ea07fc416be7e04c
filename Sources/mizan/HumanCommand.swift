import ArgumentParser
import Foundation
import MizanCore
import MizanHuman
import MizanReport
import MizanStore

/// `mizan human new|annotators|results|export|judge`: pairwise human studies between two runs (docs/human-evaluation.md).
struct HumanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "human",
        abstract: "Human pairwise evaluation: create a study between two runs, add annotators, see and export the results.",
        subcommands: [New.self, Annotators.self, Results.self, Export.self, Judge.self])

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Create a pairwise study between two runs; prints the study id, the owner token (once) and the URL to open.")

        @Option(parsing: .upToNextOption, help: "The two runs: baseline (A) then candidate (B), ids or unique prefixes.")
        var runs: [String] = []

        @Option(help: "Only items of this suite id (default: the runs' suite).")
        var suite: String?

        @Option(help: "Only items in this language tag.")
        var language: String?

        @Option(help: "Annotators per pair (K).")
        var perItem: Int = 1

        @Flag(help: "Show annotators the reference answer.")
        var showReference = false

        @Option(help: "At most this many pairs (taken in the study's seeded random order).")
        var limit: Int?

        @Option(help: "Seed of the presentation order (default: drawn, and recorded with the study).")
        var seed: UInt64?

        @Option(help: "The study's name.")
        var name: String

        @Option(help: "The port `mizan serve` listens on, for the printed URL.")
        var port: Int = 8765

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                guard runs.count == 2 else { throw UsageError("--runs takes two runs: the baseline (A) then the candidate (B); got \(runs.count)") }
                let location = try storeOptions.storeLocation()
                let studies = try HumanStudies(store: try storeOptions.openStore())
                let created = try studies.createStudy(StudySpec(name: name, runA: runs[0], runB: runs[1], suite: suite, language: language,
                                                                perItem: perItem, showReference: showReference, seed: seed, limit: limit))
                let s = created.study
                print("study \(s.id) \"\(s.spec.name)\": \(s.pairCount) pairs × \(s.spec.perItem) annotator(s), suite \(s.suiteID), seed \(s.seed)")
                print("owner token (shown once; keep it): \(created.ownerToken)")
                print("add annotators: mizan human annotators \(s.id) --add NAME … --store \(location)")
                print("open: mizan serve --store \(location) --port \(port), then http://127.0.0.1:\(port)\(HumanStudies.studyPath(s.id))")
            }
        }
    }

    struct Annotators: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "annotators",
            abstract: "List a study's annotators, or add some (--add NAME …): each new token is printed once.")

        @Argument(help: "Study id, unique prefix or name.")
        var study: String

        @Option(parsing: .upToNextOption, help: "Names of annotators to add.")
        var add: [String] = []

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let studies = try HumanStudies(store: try storeOptions.openStore())
                let s = try studies.study(matching: study)
                if add.isEmpty {
                    var t = Table(header: ["annotator", "name", "added"])
                    t.rows = try studies.annotators(study: s.id).map { [$0.id, $0.name, $0.createdAt] }
                    print(t.render(.table), terminator: "")
                    return
                }
                var t = Table(header: ["annotator", "name", "token (shown once)"])
                t.rows = try studies.addAnnotators(study: s.id, names: add).map { [$0.annotator.id, $0.annotator.name, $0.token] }
                print(t.render(.table), terminator: "")
            }
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "results",
            abstract: "Win/tie/loss overall and per language, Bradley–Terry strengths with bootstrap intervals, agreement (κ).")

        @Argument(help: "Study id, unique prefix or name.")
        var study: String

        @Option(help: "Output format: table, md, csv or json.")
        var format: TableFormat = .table

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let studies = try HumanStudies(store: try storeOptions.openStore())
                print(StudyReport.render(try studies.results(study: try studies.study(matching: study).id), format: format), terminator: "")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write every judgment of a study (csv), or the results and every judgment (json), to a file.")

        @Argument(help: "Study id, unique prefix or name.")
        var study: String

        @Option(help: "csv or json.")
        var format: TableFormat = .csv

        @Option(help: "The file to write (atomically).")
        var out: String

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let studies = try HumanStudies(store: try storeOptions.openStore())
                let id = try studies.study(matching: study).id
                let judgments = try studies.judgments(study: id)
                switch format {
                case .csv: try emit(StudyReport.judgmentTable(judgments).render(.csv), to: out)
                case .json: try emit(StudyReport.exportJSON(try studies.results(study: id), judgments: judgments).prettyJSON + "\n", to: out)
                default: throw UsageError("--format for export is csv or json (got \(format.rawValue))")
                }
            }
        }
    }

    struct Judge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "judge",
            abstract: "Record judgments from standard input, one JSON object a line: {\"pair\": 0, \"verdict\": \"a\", \"key\": \"…\", \"comment\": \"…\"}.",
            discussion: """
                The annotator's token comes from the environment variable MIZAN_ANNOTATOR_TOKEN (never from the command line). \
                "verdict" is a, b, tie or both_bad as the pair is presented (A = the answer shown first); "key" is the \
                submission key: a line sent again with the same key changes nothing. Prints one line per judgment: \
                recorded, duplicate or already_judged, then the key.
                """)

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                guard let token = ProcessInfo.processInfo.environment["MIZAN_ANNOTATOR_TOKEN"], !token.isEmpty else {
                    throw UsageError("set MIZAN_ANNOTATOR_TOKEN to the annotator's token (from mizan human annotators STUDY --add NAME)")
                }
                let studies = try HumanStudies(store: try storeOptions.openStore())
                guard let annotator = try studies.authenticate(token: token) else {
                    throw UsageError("MIZAN_ANNOTATOR_TOKEN is no annotator's token in this store")
                }
                var n = 0
                while let line = readLine(strippingNewline: true) {
                    n += 1
                    if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                    guard case .object(let o)? = JSONValue.parse(line), case .number(let pair)? = o["pair"],
                          let verdict = o["verdict"]?.stringValue.flatMap(Verdict.init(rawValue:)), let key = o["key"]?.stringValue else {
                        throw UsageError("standard input line \(n): expected {\"pair\": N, \"verdict\": \"a|b|tie|both_bad\", \"key\": \"…\"}")
                    }
                    let outcome = try studies.recordJudgment(annotator: annotator, pair: Int(pair), verdict: verdict,
                                                             comment: o["comment"]?.stringValue, submissionKey: key)
                    // Written straight to the descriptor: a line printed is a judgment committed.
                    FileHandle.standardOutput.write(Data("\(outcome.rawValue) \(key)\n".utf8))
                }
            }
        }
    }
}
