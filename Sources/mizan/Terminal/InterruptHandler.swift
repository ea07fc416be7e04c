import Foundation
import MizanCore

/// Routes Ctrl-C presses to the current run (1st: drain, 2nd: cancel); a third exits at once.
final class InterruptHandler: @unchecked Sendable {
    // @unchecked Sendable: the signal source is set up once in `init`; the mutable state is a `Locked` value.
    private let source: any DispatchSourceSignal
    private let state = Locked<(presses: Int, action: (@Sendable (Int) -> Void)?)>((0, nil))

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [state] in
            let (presses, action) = state.withLock { s -> (Int, (@Sendable (Int) -> Void)?) in s.presses += 1; return (s.presses, s.action) }
            if presses <= 2 { action?(presses) } else { exit(130) }
        }
        source.resume()
    }

    /// Sets what a press does; it receives the press count (1 or 2).
    func onInterrupt(_ action: @escaping @Sendable (Int) -> Void) { state.withLock { $0.action = action } }
}
