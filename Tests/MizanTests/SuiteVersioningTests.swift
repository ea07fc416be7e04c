import Foundation
import Testing
import MizanCore
import MizanSuites

/// Released suite versions are immutable; older versions stay runnable.
@Suite(.timeLimit(.minutes(5))) struct SuiteVersioningTests {
    static func prompts() throws -> String {
        let dir = TestEnv.tempDir() + "/Prompts"
        _ = try TestEnv.writeSuite(in: dir, id: "s1", items: [#"{"id":"1","input":"x","reference":"y"}"#])
        return dir
    }

    @Test func changingAReleasedSuiteFailsValidationUntilTheVersionIsBumped() throws {
        let prompts = try Self.prompts()
        let lock = try TestEnv.run(TestEnv.mizanBinary, ["suites", "lock", "--prompts", prompts])
        #expect(lock.status == 0 && lock.stdout.contains("s1@1.0.0"))
        #expect(try TestEnv.run(TestEnv.mizanBinary, ["validate", "--prompts", prompts]).status == 0)

        try #"{"id":"1","input":"x","reference":"changed"}"#.appending("\n")
            .write(toFile: prompts + "/s1/items.jsonl", atomically: true, encoding: .utf8)
        let bad = try TestEnv.run(TestEnv.mizanBinary, ["validate", "--prompts", prompts])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("s1@1.0.0 was released with content hash"))
        #expect(bad.stderr.contains("but its items changed"), "\(bad.stderr)")
        #expect(bad.stderr.contains("bump `version`"))
        #expect(try TestEnv.run(TestEnv.mizanBinary, ["suites", "lock", "--prompts", prompts]).status == 2)

        let yaml = try String(contentsOfFile: prompts + "/s1/suite.yaml", encoding: .utf8)
        try yaml.replacingOccurrences(of: "version: 1.0.0", with: "version: 1.1.0")
            .write(toFile: prompts + "/s1/suite.yaml", atomically: true, encoding: .utf8)
        let bumped = try TestEnv.run(TestEnv.mizanBinary, ["validate", "--prompts", prompts])
        #expect(bumped.status == 0, "\(bumped.stderr)")
        #expect(bumped.stdout.contains("s1@1.1.0") && bumped.stdout.contains("not released"))
    }

    @Test func olderVersionsResolveFromTheArchive() throws {
        let prompts = try Self.prompts()
        let archive = prompts + "/s1/versions/0.9.0"
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        let yaml = try String(contentsOfFile: prompts + "/s1/suite.yaml", encoding: .utf8)
        try yaml.replacingOccurrences(of: "version: 1.0.0", with: "version: 0.9.0").write(toFile: archive + "/suite.yaml", atomically: true, encoding: .utf8)
        try #"{"id":"1","input":"old","reference":"y"}"#.appending("\n").write(toFile: archive + "/items.jsonl", atomically: true, encoding: .utf8)
        #expect(try SuiteLoader.load(folder: SuiteCatalog.resolve("s1", promptsDir: prompts)).version == "1.0.0")
        let old = try SuiteLoader.load(folder: SuiteCatalog.resolve("s1@0.9.0", promptsDir: prompts))
        #expect(old.version == "0.9.0" && old.items.first?.input == "old")
        #expect(try SuiteLoader.load(folder: SuiteCatalog.resolve("s1@1.0.0", promptsDir: prompts)).version == "1.0.0")
        #expect { try SuiteCatalog.resolve("s1@2.0.0", promptsDir: prompts) } throws: { "\($0)".contains("available: 1.0.0, 0.9.0") }
        #expect(SuiteCatalog.folders(promptsDir: prompts).count == 2)
    }

    @Test func shippedSuitesAreAllReleasedAndUnchanged() throws {
        let prompts = TestEnv.root + "/Prompts"
        let lock = try SuiteLock.load(promptsDir: prompts)
        for folder in SuiteCatalog.folders(promptsDir: prompts) {
            let s = try SuiteLoader.load(folder: folder)
            #expect(lock.isReleased(s), "\(s.id)@\(s.version) is not in suites.lock")
            #expect(lock.violation(s, promptsDir: prompts) == nil)
        }
    }

    @Test func suitesListsCountsPerLanguageAndTask() throws {
        let r = try TestEnv.run(TestEnv.mizanBinary, ["suites", "--prompts", TestEnv.root + "/Prompts", "--format", "md"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("| zgh-Tfng · all tasks |"))
        #expect(r.stdout.contains("| starter-ary-arab | 1.0.0 |"))
    }
}
