import Foundation
import Testing
import MizanCore
import MizanEndpoints
import MizanTestSupport

/// mizan works from any folder of a project (the root is found walking up to `mizan.yaml` or `Prompts/`,
/// or set by `MIZAN_HOME` / `--config`), and read-only commands never create a store. Through the CLI binary.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ProjectRootTests {
    /// The environment without the variables that would point mizan elsewhere.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["MIZAN_HOME"] = nil
        env["MIZAN_CONFIG"] = nil
        return env.merging(extra) { _, new in new }
    }

    static func mizan(_ args: [String], in cwd: String, env: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestEnv.run(TestEnv.mizanBinary, args, environment: environment(env), cwd: cwd)
    }

    /// A project: `mizan.yaml` (store `Results/p.sqlite`, endpoint `local` → `url`), one suite under `Prompts/`,
    /// and a nested folder `sub/deeper` to work from.
    static func project(url: String) throws -> (root: String, deep: String) {
        let root = TestEnv.tempDir() + "/proj"
        try FileManager.default.createDirectory(atPath: root + "/Prompts", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/sub/deeper", withIntermediateDirectories: true)
        _ = try EndToEndTests.numberedSuite(3, in: root + "/Prompts")
        try "store: Results/p.sqlite\nendpoints:\n  local:\n    url: \(url)\n".write(toFile: root + "/mizan.yaml", atomically: true, encoding: .utf8)
        return (root, root + "/sub/deeper")
    }

    @Test func everyCommandWorksFromASubfolderAndConfigPathsAreRelativeToTheConfig() throws {
        let server = try TestHTTPServer(responder: EndToEndTests.answering())
        defer { server.stop() }
        let (root, deep) = try Self.project(url: server.baseURL + "/v1")
        let run = try Self.mizan(["run", "--suite", "t-suite", "--endpoint", "local", "--json"], in: deep)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let id = try #require(JSONValue.parse(run.stdout)?["run_id"]?.stringValue)
        // The store is where mizan.yaml says, relative to mizan.yaml — not in the current folder.
        #expect(FileManager.default.fileExists(atPath: root + "/Results/p.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: deep + "/Results"))
        let runs = try Self.mizan(["runs"], in: root + "/sub")
        #expect(runs.status == 0 && runs.stdout.contains(id), "stderr: \(runs.stderr)")
        #expect(try Self.mizan(["show", id], in: deep).stdout.contains("t-suite@1.0.0"))
        let suites = try Self.mizan(["suites"], in: deep)
        #expect(suites.status == 0 && suites.stdout.contains("t-suite"), "stderr: \(suites.stderr)")
        let validate = try Self.mizan(["validate"], in: deep)
        #expect(validate.status == 0 && validate.stdout.contains("ok     t-suite@1.0.0"), "stderr: \(validate.stderr)")
        // From outside the project: MIZAN_HOME, or --config (its relative store: resolved from its folder).
        let elsewhere = TestEnv.tempDir()
        let home = try Self.mizan(["runs", "--format", "csv"], in: elsewhere, env: ["MIZAN_HOME": root])
        #expect(home.status == 0 && home.stdout.contains(id), "stderr: \(home.stderr)")
        let viaConfig = try Self.mizan(["runs", "--config", root + "/mizan.yaml"], in: elsewhere)
        #expect(viaConfig.status == 0 && viaConfig.stdout.contains(id), "stderr: \(viaConfig.stderr)")
        #expect(try Self.mizan(["suites"], in: elsewhere, env: ["MIZAN_HOME": root]).stdout.contains("t-suite"))
        let badHome = try Self.mizan(["runs"], in: elsewhere, env: ["MIZAN_HOME": root + "/nope"])
        #expect(badHome.status == 2 && badHome.stderr.contains("MIZAN_HOME"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: elsewhere))?.isEmpty == true, "nothing written outside the project")
    }

    @Test func readOnlyCommandsNeverCreateAStore() throws {
        let (root, deep) = try Self.project(url: "http://127.0.0.1:9/v1")
        try FileManager.default.removeItem(atPath: root + "/mizan.yaml")   // the default store: Results/mizan.sqlite
        let commands: [[String]] = [["runs"], ["show", "20261123"], ["compare", "a", "b"], ["diff", "a", "b"],
                                    ["baseline", "save", "a", "--name", "x"], ["runs", "--format", "json"]]
        for args in commands {
            let r = try Self.mizan(args, in: deep)
            #expect(r.status == 2, "\(args): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("no store at ../../Results/mizan.sqlite") && r.stderr.contains(root), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/Results") && !FileManager.default.fileExists(atPath: deep + "/Results"))
        // An explicit --store that does not exist is refused the same way.
        let missing = try Self.mizan(["runs", "--store", "gone.sqlite"], in: deep)
        #expect(missing.status == 2 && missing.stderr.contains("no store at gone.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: deep + "/gone.sqlite"))
        // No suites: suites and validate fail, naming where they looked.
        try FileManager.default.removeItem(atPath: root + "/Prompts/t-suite")
        for args in [["suites"], ["validate"]] {
            let r = try Self.mizan(args, in: deep)
            #expect(r.status == 2 && r.stderr.contains("no suites in ../../Prompts") && r.stderr.contains(root), "\(args): \(r.stderr)")
        }
    }

    @Test func rootIsTheNearestFolderWithMizanYAMLOrPrompts() throws {
        let base = TestEnv.tempDir()
        try FileManager.default.createDirectory(atPath: base + "/p/Prompts", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/p/a/b", withIntermediateDirectories: true)
        let p = try Project.locate(environment: [:], cwd: base + "/p/a/b")
        #expect(p.root == base + "/p" && p.promptsDir == "../../Prompts" && p.defaultStore == "../../Results/mizan.sqlite")
        let atRoot = try Project.locate(environment: [:], cwd: base + "/p")
        #expect(atRoot.promptsDir == "Prompts" && atRoot.configFile == nil)
        let home = try Project.locate(environment: ["MIZAN_HOME": base + "/p"], cwd: base)
        #expect(home.root == base + "/p" && home.promptsDir == base + "/p/Prompts")
    }
}
