import ArgumentParser
import Foundation
import MizanCore
import MizanHuman
import MizanReport
import MizanSuites

/// `mizan review status|export`: native speakers' reviews of a suite's items (recorded in the web app's review mode).
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Suite reviews by native speakers: coverage, and export of the accepted corrections as a new suite version.",
        subcommands: [Status.self, Export.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Review coverage of a suite version and every review.")

        @Argument(help: "Suite id (its current version), or id@version.")
        var suite: String

        @Option(help: "The prompts folder (default: Prompts/ of the project).")
        var prompts: String?

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let s = try SuiteLoader.load(folder: try SuiteCatalog.resolve(suite, promptsDir: try promptsFolder(prompts)))
                let studies = try HumanStudies(store: try storeOptions.openStore())
                let c = try studies.reviewCoverage(suiteID: s.id, suiteVersion: s.version, itemCount: s.items.count)
                print("\(s.id)@\(s.version): \(ReviewStatusText.coverage(c))")
                var t = Table(header: ["item", "reviewer", "decision", "suggested input", "suggested reference", "comment"])
                t.rows = try studies.reviews(suiteID: s.id, suiteVersion: s.version).map {
                    [$0.itemID, $0.reviewer, $0.submission.decision.rawValue, $0.submission.suggestedInput ?? "",
                     $0.submission.suggestedReference ?? "", $0.submission.comment ?? ""]
                }
                if !t.rows.isEmpty { print(t.render(.table), terminator: "") }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the accepted corrections of a suite's reviews as a new suite version (archived old version, changelog, lock).",
            discussion: """
                An item changes when more than half of its reviewers chose fix (their most common suggestion is taken) or remove. \
                The reviewed version is copied to Prompts/<id>/versions/<version>/, the minor version is bumped, a changelog line \
                credits the reviewers, and Prompts/suites.lock records both versions. See docs/human-evaluation.md.
                """)

        @Argument(help: "Suite id.")
        var suite: String

        @Option(help: "The prompts folder (default: Prompts/ of the project).")
        var prompts: String?

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await reportingErrors {
                let dir = try promptsFolder(prompts)
                let folder = try SuiteLoader.resolve(suite, promptsDir: dir)
                let s = try SuiteLoader.load(folder: folder)
                let reviews = try HumanStudies(store: try storeOptions.openStore()).reviews(suiteID: s.id, suiteVersion: s.version)
                let r = try ReviewExport.export(suiteFolder: folder, promptsDir: dir, reviews: reviews)
                print("\(r.suiteID): \(r.fromVersion) → \(r.toVersion) (\(r.fixed.count) corrected, \(r.removed.count) removed); "
                    + "\(r.fromVersion) kept under \(folder)/versions/\(r.fromVersion)/; suites.lock updated")
                print("changelog: \(r.changelog)")
            }
        }
    }
}

/// Review coverage as one phrase, e.g. `12 of 40 items reviewed (3 by two or more people); reviewers: Amina, Yuba`.
enum ReviewStatusText {
    /// The phrase.
    static func coverage(_ c: ReviewCoverage) -> String {
        let of = c.itemCount.map { " of \($0)" } ?? ""
        let who = c.reviewers.isEmpty ? "" : "; reviewers: " + c.reviewers.joined(separator: ", ")
        return "\(c.reviewedItems)\(of) items reviewed (\(c.itemsWithTwoOrMore) by two or more people)\(who)"
    }

    /// A short cell for `mizan suites`, e.g. `12/40 (3 ≥2)`.
    static func cell(_ c: ReviewCoverage) -> String {
        "\(c.reviewedItems)/\(c.itemCount.map(String.init) ?? "?")" + (c.itemsWithTwoOrMore > 0 ? " (\(c.itemsWithTwoOrMore) ≥2)" : "")
    }
}
