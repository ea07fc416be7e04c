import Foundation
import Testing
import MizanCore

/// The CLI's flags are spelled in one place (`CLIVocabulary.swift`), and that place spells flags the CLI has.
@Suite(.timeLimit(.minutes(5))) struct CLIVocabularyTests {
    /// `--flag` spellings in the code of `file` (comment lines and trailing comments left out).
    static func flagSpellings(in file: String) throws -> [String] {
        let flag = try NSRegularExpression(pattern: "(?<![-\\w])--[a-z][a-z-]*")
        var found: [String] = []
        for (n, raw) in try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n").enumerated() {
            var line = raw
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
            if let comment = line.range(of: " //") { line = String(line[..<comment.lowerBound]) }
            for m in flag.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                found.append("\(file.replacingOccurrences(of: TestEnv.root + "/", with: "")):\(n + 1): \((line as NSString).substring(with: m.range))")
            }
        }
        return found
    }

    @Test func libraryModulesSpellNoCLIFlagOutsideTheVocabulary() throws {
        let sources = TestEnv.root + "/Sources"
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources).filter { $0.hasPrefix("Mizan") }
        #expect(modules.count >= 10)
        var offenders: [String] = []
        for module in modules {
            let enumerator = FileManager.default.enumerator(atPath: sources + "/" + module)
            while let path = enumerator?.nextObject() as? String {
                guard path.hasSuffix(".swift"), !path.hasSuffix("CLIVocabulary.swift") else { continue }
                offenders += try Self.flagSpellings(in: sources + "/" + module + "/" + path)
            }
        }
        #expect(offenders.isEmpty, "spell flags through CLIFlag (Sources/MizanCore/CLIVocabulary.swift):\n\(offenders.joined(separator: "\n"))")
    }

    @Test func theCheckFindsAFlagInAMessage() throws {
        let file = TestEnv.tempDir() + "/Sample.swift"
        try """
            // a comment naming --store is fine
            let url = "postgres://host" // and --here too
            throw UsageError("pass --metrics, e.g. \\(x)")
            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Self.flagSpellings(in: file).map { $0.components(separatedBy: ": ").last ?? "" } == ["--metrics"])
    }

    @Test func everyFlagOfTheVocabularyIsOneTheCLIAccepts() throws {
        let r = try TestEnv.run(TestEnv.mizanBinary, ["--experimental-dump-help"])
        #expect(r.status == 0, "\(r.stderr)")
        let dump = try #require(JSONValue.parse(r.stdout))
        var accepted: Set<String> = []
        func array(_ v: JSONValue?) -> [JSONValue] { if case .array(let a)? = v { return a } else { return [] } }
        func walk(_ command: JSONValue) {
            for argument in array(command["arguments"]) {
                for name in array(argument["names"]) where name["kind"]?.stringValue == "long" {
                    if let n = name["name"]?.stringValue { accepted.insert(n) }
                }
            }
            for sub in array(command["subcommands"]) { walk(sub) }
        }
        walk(dump["command"] ?? .null)
        #expect(accepted.contains("store") && accepted.contains("shard"), "the dump lists the CLI's flags")
        let unknown = CLIFlag.allCases.filter { !accepted.contains($0.rawValue) }
        #expect(unknown.isEmpty, "flags the CLI does not accept: \(unknown)")
        #expect(CLIFlag.errorBudget.description == "--error-budget")
        #expect("pass \(CLIFlag.noCache)" == "pass --no-cache")
    }
}
