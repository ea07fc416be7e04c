import Foundation
import MizanCore
import MizanEndpoints
import MizanStore

/// How a run schedules its requests: the request slots, and with `--concurrency auto` the controller that moves
/// their limit (docs/concurrency.md).
struct RunScheduling: Sendable {
    /// The request slots every generation request holds while in flight.
    let slots: RequestSlots
    /// The adaptive controller, with `concurrency: auto` (generation suites only).
    let controller: AdaptiveConcurrency?
    /// The most requests that may be in flight (the fixed value, or auto's maximum).
    let ceiling: Int
    /// The fixed concurrency, or auto's starting value.
    let initial: Int

    /// Scheduling for `endpoint`: likelihood suites that must go one at a time use 1; `auto` applies to
    /// generation suites (likelihood suites keep the endpoint's fixed `concurrency`, default 8).
    init(endpoint: EndpointConfig, sequential: Bool, likelihood: Bool) {
        if endpoint.autoConcurrency && !likelihood && !sequential {
            let slots = RequestSlots(2)
            let controller = AdaptiveConcurrency(initial: 2, maximum: 64) { slots.setLimit($0) }
            self.slots = slots
            self.controller = controller
            ceiling = controller.maximum
            initial = controller.initial
        } else {
            let n = sequential ? 1 : max(1, endpoint.concurrency)
            slots = RequestSlots(n)
            controller = nil
            ceiling = n
            initial = n
        }
    }

    /// Worker tasks: 1.5 times the most requests in flight (those waiting for their commit free their slot).
    var workers: Int { ceiling + (ceiling + 1) / 2 }

    /// The manifest's `concurrency` part: fixed, or auto with the limits chosen so far.
    var manifest: RunManifest.Concurrency {
        controller?.manifest ?? RunManifest.Concurrency(mode: "fixed", initial: initial, maximum: nil, final: initial, windows: nil, steps: nil)
    }

    /// Writes auto's trajectory into the stored manifest (a run of one process; a shard's processes share one
    /// manifest and keep only the `start` entry written when the run was created).
    func recordTrajectory(store: any ResultStore, runID: String, sharded: Bool) throws {
        guard controller != nil, !sharded else { return }
        var manifest = try store.run(matching: runID).runManifest
        manifest.concurrency = self.manifest
        try store.updateManifest(runID: runID, manifest: manifest.json)
    }
}
