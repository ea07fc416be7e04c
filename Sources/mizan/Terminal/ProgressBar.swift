import Foundation
import MizanCore
import MizanRunner

/// A progress bar on stderr (only when stderr is a terminal): done/total, rate, errors, ETA.
final class ProgressBar: Sendable {
    private let enabled = isatty(2) == 1
    private let label: String
    private let last = Locked(0.0)

    /// A bar labelled `label` (the suite id).
    init(label: String) { self.label = label }

    /// Redraws the bar (at most every 0.1 s, and always at the end).
    func update(_ p: RunProgress) {
        guard enabled else { return }
        let now = p.elapsed
        let draw = last.withLock { l -> Bool in
            if now - l < 0.1 && p.done < p.total { return false }
            l = now
            return true
        }
        guard draw else { return }
        let rate = p.elapsed > 0 ? Double(p.done) / p.elapsed : 0
        let eta = rate > 0 ? Double(p.total - p.done) / rate : 0
        let width = 24
        let filled = p.total > 0 ? width * p.done / p.total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.1f/s  errors %d  ETA %.0fs ", label, bar, p.done, p.total, rate, p.errors, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line.
    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
