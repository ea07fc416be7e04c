import ArgumentParser
import Foundation
import MizanCore
import MizanWeb

/// `mizan serve`: the local web app over a store (docs/web.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start the local web app: browse runs and items, compare runs, run human pairwise studies and suite reviews.",
        discussion: """
            Listens on 127.0.0.1:8765 unless told otherwise; Ctrl-C stops it. Binding to another address needs --allow-remote: \
            then the browse pages need the browse token printed at start (annotators log in with their own tokens). \
            Pages, routes and the security model: docs/web.md.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "TCP port (0: any free port; the address is printed).")
    var port: Int = 8765

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Flag(help: "Allow a non-loopback --host (other machines can connect; a warning is printed).")
    var allowRemote = false

    func run() async throws {
        try await reportingErrors {
            guard (0...65535).contains(port) else { throw UsageError("--port must be between 0 and 65535 (got \(port))") }
            let remote = !WebOptions.isLoopback(host)
            if remote && !allowRemote {
                throw UsageError("--host \(host) is not a loopback address: other machines could connect. "
                    + "Add --allow-remote to mean it, or leave --host at 127.0.0.1")
            }
            let store = try storeOptions.openStore()
            var options = WebOptions(host: host, port: port)
            if remote {
                let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                options.browseToken = token
                printErr("""
                    warning: mizan serve listens on \(host), reachable from other machines, over plain HTTP (no TLS): \
                    use it on a network you trust, or put a TLS proxy in front.
                    The browse pages (runs, items, compare) need this browse token, shown only now: \(token)
                    """)
            }
            let app = WebApp(store: store, options: options)
            let shownHost = host.contains(":") ? "[\(host)]" : host
            try await app.run { bound in
                // Unbuffered: whoever started the server (a script, a test) reads the address at once.
                FileHandle.standardOutput.write(Data("mizan serve: http://\(shownHost):\(bound)/ (Ctrl-C stops)\n".utf8))
            }
        }
    }
}
