import ArgumentParser
import Foundation
import MizanCore
import MizanEndpoints

/// `mizan probe`: what an endpoint can do (chat, completions, echo log-probs, native tokenize, grammar,
/// top-k), found by trying each with a tiny request; see docs/likelihood.md.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Try what an endpoint can do (chat, completions, echo log-probs, native tokenize, grammar, top-k).")

    @OptionGroup var target: EndpointChoice

    @Option(name: .long, help: "Config file (default: $MIZAN_CONFIG or ./mizan.yaml).")
    var config: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            guard let endpoint = target.endpoint else { throw UsageError("give --endpoint NAME or URL") }
            let cfg = try MizanConfig.locate(explicit: config)
            let resolved = try cfg.resolve(endpoint: endpoint, kind: target.kind(), model: target.model, concurrency: target.concurrency)
            let caps = try await EndpointCapabilities.probe(client: ModelClient(config: resolved))
            if json {
                print(caps.json.prettyJSON)
                return
            }
            print("endpoint \(caps.endpoint)")
            for f in caps.findings {
                print("  \(f.capability.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(f.available ? "yes" : "no ")  \(f.evidence)")
            }
            let methods = caps.methods.map(\.rawValue)
            print("likelihood methods: " + (methods.isEmpty ? "none (this endpoint gives no log-probabilities)" : methods.joined(separator: ", ")))
        }
    }
}
