import Foundation
import Testing

/// The libpq loader (Sources/CLibPQ/libpq_loader.c) on a machine without libpq: the CLI runs in a private mount
/// namespace (`unshare -rm`) where every libpq.so the dynamic loader knows is replaced by an empty file.
@Suite(.timeLimit(.minutes(5))) struct LibPQLoaderTests {
    /// Runs its arguments with libpq hidden (each libpq.so* from `ldconfig -p` bind-mounted over by /dev/null).
    static let hideLibpq = """
        set -e; PATH="$PATH:/sbin:/usr/sbin"
        libs=$(ldconfig -p | sed -n 's/^[[:space:]]*libpq\\.so[^ ]* .*=> //p')
        [ -n "$libs" ]
        for f in $libs; do mount --bind /dev/null "$(readlink -f "$f")"; done
        exec "$@"
        """

    /// True when this machine can hide libpq that way (user namespaces allowed, util-linux's unshare present,
    /// libpq installed); otherwise the test is reported as skipped.
    static let canHideLibpq: Bool = {
        (try? TestEnv.run("/usr/bin/env", ["unshare", "-rm", "sh", "-c", hideLibpq, "sh", "true"]))?.status == 0
    }()

    @Test(.enabled(if: canHideLibpq, "needs `unshare -rm` (user namespaces) and an installed libpq to hide"))
    func withoutLibpqAPostgresStoreIsAClearErrorAndSQLiteStillWorks() throws {
        let hidden = ["unshare", "-rm", "sh", "-c", Self.hideLibpq, "sh", TestEnv.mizanBinary]
        let pg = try TestEnv.run("/usr/bin/env", hidden + ["runs", "--store", "postgres://mizan@127.0.0.1:1/mizan"])
        // A crash (a null libpq function called while the failed connection was torn down) exits by signal, saying nothing.
        #expect(pg.status != 0 && pg.stderr.contains("libpq could not be loaded")
                    && pg.stderr.contains("apt-get install libpq5"), "exit \(pg.status): \(pg.stderr)")
        // SQLite needs no libpq: a run (against a closed port, so every item fails: exit 3) creates and fills the store,
        // and `runs` reads it back.
        let store = TestEnv.tempDir() + "/store.sqlite"
        let run = try TestEnv.run("/usr/bin/env", hidden + ["run", "--suite", "starter-fra-latn", "--endpoint", "http://127.0.0.1:9/v1",
                                                             "--limit", "1", "--store", store], cwd: TestEnv.root)
        #expect(run.status == 3 && FileManager.default.fileExists(atPath: store), "exit \(run.status): \(run.stderr)")
        let sqlite = try TestEnv.run("/usr/bin/env", hidden + ["runs", "--store", store, "--format", "csv"])
        #expect(sqlite.status == 0 && sqlite.stdout.contains("starter-fra-latn"), "exit \(sqlite.status): \(sqlite.stderr)")
    }
}
