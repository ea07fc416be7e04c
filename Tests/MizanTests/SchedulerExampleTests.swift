import Foundation
import Testing
import MizanCore
import MizanRunner
import MizanStore
import MizanTestSupport

/// The Slurm and Kubernetes examples, run as their scheduler would run them (the same environment variables,
/// the real `mizan` binary on PATH) against the test server and a SQLite store.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SchedulerExampleTests {
    /// What every example run needs: the test server, a suite folder, a store, `mizan` on PATH.
    static func environment(server: TestHTTPServer, suite: String, store: String, extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = URL(fileURLWithPath: TestEnv.mizanBinary).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["MIZAN_SUITE"] = suite
        env["MIZAN_ENDPOINT"] = server.baseURL + "/v1"
        env["MIZAN_STORE"] = store
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// The shell command of the Kubernetes Job's container: its folded (`>-`) `args` entry, lines joined by spaces.
    static func kubernetesCommand() throws -> String {
        let yaml = try String(contentsOfFile: TestEnv.root + "/examples/kubernetes/mizan-shards-job.yaml", encoding: .utf8)
        let lines = yaml.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "- >-" })
        let indent = lines[start + 1].prefix { $0 == " " }.count
        return lines[(start + 1)...].prefix { $0.prefix { $0 == " " }.count >= indent && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    @Test func aSlurmTaskResubmittedAloneKeepsItsShardAndSettingsComeFromTheEnvironment() throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(60, in: dir)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let store = dir + "/slurm.sqlite"
        let script = TestEnv.root + "/examples/slurm/mizan-shards.sbatch"
        // `sbatch --array=2` of a job first submitted as --array=0-3: a one-task array, task id 2.
        let env = Self.environment(server: server, suite: folder, store: store, extra: [
            "SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1",
            "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2", "MIZAN_RUN_NAME": "darija-eval-4241",
            "MIZAN_LIMIT": "40", "MIZAN_CONCURRENCY": "3", "MIZAN_NO_CACHE": "1",
        ])
        let r = try TestEnv.run("/bin/bash", [script], environment: env, cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(r.stdout.utf8))
        #expect(json["shard"]?.stringValue == "2/4", "\(r.stdout)")
        let run = try ShardTests.named("darija-eval-4241", in: try openResultStore(store))
        #expect(run.itemCount == 40 && run.shardCount == 4, "MIZAN_LIMIT and MIZAN_SHARDS' default")
        #expect(run.manifest["cache"]?["mode"]?.stringValue == "off", "MIZAN_NO_CACHE=1")
        #expect(run.manifest["endpoint"]?["config"]?["concurrency"]?.doubleValue == 3, "MIZAN_CONCURRENCY")
        let mine = (0..<40).filter { ShardSpec.shard(of: "item-\($0)", count: 4) == 2 }.map { "q \($0)" }
        #expect(Set(counts.current.keys) == Set(mine), "shard 2 of 4 of the first 40 items")

        // A task outside the shard count is a clear error, not a silent different split.
        var wrong = env
        wrong["SLURM_ARRAY_TASK_ID"] = "5"
        let outside = try TestEnv.run("/bin/bash", [script], environment: wrong, cwd: dir)
        #expect(outside.status == 2 && outside.stderr.contains("MIZAN_SHARDS=4"), "\(outside.stderr)")
    }

    @Test func theKubernetesPodCommandReadsItsSettingsFromTheEnvironment() throws {
        let dir = TestEnv.tempDir()
        let folder = try EndToEndTests.numberedSuite(60, in: dir)
        let counts = Locked([String: Int]())
        let server = try TestHTTPServer(responder: ResumeTests.counting(counts))
        defer { server.stop() }
        let store = dir + "/k8s.sqlite"
        let command = try Self.kubernetesCommand()
        let env = Self.environment(server: server, suite: folder, store: store, extra: [
            "JOB_COMPLETION_INDEX": "1", "MIZAN_RUN_NAME": "k8s-eval", "MIZAN_SHARDS": "3",
            "MIZAN_LIMIT": "30", "MIZAN_CONCURRENCY": "2", "MIZAN_NO_CACHE": "1",
        ])
        let r = try TestEnv.run("/bin/sh", ["-c", command], environment: env, cwd: dir)
        #expect(r.status == 0, "\(command)\n\(r.stderr)")
        let run = try ShardTests.named("k8s-eval", in: try openResultStore(store))
        #expect(run.itemCount == 30 && run.shardCount == 3)
        #expect(run.manifest["cache"]?["mode"]?.stringValue == "off")
        #expect(run.manifest["endpoint"]?["config"]?["concurrency"]?.doubleValue == 2)
        let mine = (0..<30).filter { ShardSpec.shard(of: "item-\($0)", count: 3) == 1 }.map { "q \($0)" }
        #expect(Set(counts.current.keys) == Set(mine))

        // Without the optional settings the command still forms (defaults: every item, the cache's own default).
        var bare = env
        for k in ["MIZAN_LIMIT", "MIZAN_CONCURRENCY", "MIZAN_NO_CACHE", "MIZAN_SHARDS"] { bare.removeValue(forKey: k) }
        bare["MIZAN_RUN_NAME"] = "k8s-bare"
        let d = try TestEnv.run("/bin/sh", ["-c", command], environment: bare, cwd: dir)
        #expect(d.status == 0, "\(d.stderr)")
        let plain = try ShardTests.named("k8s-bare", in: try openResultStore(store))
        #expect(plain.itemCount == 60 && plain.shardCount == 4 && plain.manifest["cache"]?["mode"]?.stringValue == "auto")
    }
}
