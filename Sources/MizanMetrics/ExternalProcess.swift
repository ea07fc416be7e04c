import Foundation
import MizanCore

/// Why an exchange with an external metric command failed.
struct ExternalFailure: Error, Sendable {
    /// The message stored as the score's error.
    var message: String
    /// Whether the child must be discarded (and restarted for the next item).
    var fatal: Bool
}

/// One running external metric command with non-blocking pipes. Used only from the worker
/// thread of `ExternalWorker` (never from the Swift-concurrency pool): it blocks in `poll`.
final class ExternalChild {
    private var process = Process()
    private var stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
    private var stdinOpen = true
    private var outBuffer: [UInt8] = []
    private var stdoutEOF = false, stderrEOF = false
    private var errTail: [UInt8] = []
    /// Lines read from the command's stdout so far (1-based numbering in messages).
    private(set) var linesRead = 0
    /// The command as written in messages.
    let display: String

    /// Starts the command with its working directory set to `cwd`.
    init(argv: [String], cwd: String?, display: String) throws {
        self.display = display
        // A script that was just written may be "text file busy" (ETXTBSY) for a moment while some
        // other thread's freshly forked child still holds it open for writing: retry briefly.
        var attempt = 0
        while true {
            process = Process()
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
            if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
            process.standardInput = stdinPipe
            process.standardOutput = stdoutPipe
            process.standardError = stderrPipe
            do {
                try process.run()
                break
            } catch {
                attempt += 1
                let busy = (error as NSError).code == Int(ETXTBSY) || "\(error)".localizedCaseInsensitiveContains("busy")
                guard busy, attempt < 40 else {
                    throw ExternalFailure(message: "external metric: cannot start \(display): \(error.localizedDescription)", fatal: true)
                }
                usleep(25_000)
                (stdinPipe, stdoutPipe, stderrPipe) = (Pipe(), Pipe(), Pipe())
            }
        }
        for fd in [stdinPipe.fileHandleForWriting.fileDescriptor, stdoutPipe.fileHandleForReading.fileDescriptor,
                   stderrPipe.fileHandleForReading.fileDescriptor] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// Writes one line and reads one line back within `timeout` seconds.
    func exchange(_ line: [UInt8], itemID: String, timeout: Double) throws -> String {
        if !stdoutEOF { _ = drain(stdoutPipe.fileHandleForReading.fileDescriptor, into: &outBuffer, eof: &stdoutEOF) }
        if let extra = takeLine() {
            throw ExternalFailure(message: "external metric: \(display) wrote more lines than it was given items "
                + "(extra stdout line \(linesRead): \(Self.quote(extra))); answer each input line with exactly one JSON line", fatal: true)
        }
        let deadline = Self.now() + timeout
        var pending = line[...]
        while true {
            if pending.isEmpty, let reply = takeLine() { return reply }
            if stdoutEOF {
                throw ExternalFailure(message: exitMessage(waitingFor: itemID), fatal: true)
            }
            let left = deadline - Self.now()
            if left <= 0 {
                throw ExternalFailure(message: "external metric: \(display) timed out after \(Self.seconds(timeout)) s on item '\(itemID)' "
                    + "(no answer line; raise `timeout:` or make the command flush stdout after each line)" + stderrSuffix(), fatal: true)
            }
            var fds: [pollfd] = []
            let inFD = stdinPipe.fileHandleForWriting.fileDescriptor
            let outFD = stdoutPipe.fileHandleForReading.fileDescriptor
            let errFD = stderrPipe.fileHandleForReading.fileDescriptor
            if !pending.isEmpty { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            if !stdoutEOF { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if !stderrEOF { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000) + 1)
            if n < 0 && errno != EINTR { throw ExternalFailure(message: "external metric: poll failed (errno \(errno))", fatal: true) }
            for p in fds where p.revents != 0 {
                if p.fd == inFD {
                    let written = pending.withUnsafeBytes { write(inFD, $0.baseAddress, $0.count) }
                    if written > 0 {
                        pending = pending.dropFirst(written)
                    } else if written < 0 && errno != EAGAIN && errno != EINTR {
                        // EPIPE: the command stopped reading; its exit shows up as EOF on stdout.
                        if errno != EPIPE { throw ExternalFailure(message: "external metric: writing to \(display) failed (errno \(errno))", fatal: true) }
                        pending = []
                    }
                } else if p.fd == outFD {
                    _ = drain(outFD, into: &outBuffer, eof: &stdoutEOF)
                } else {
                    _ = drain(errFD, into: &errTail, eof: &stderrEOF)
                    if errTail.count > 4096 { errTail.removeFirst(errTail.count - 4096) }
                }
            }
        }
    }

    /// Closes stdin, waits up to `grace` seconds for the command to exit, then kills it.
    func finish(grace: Double) {
        closeStdin()
        let deadline = Self.now() + grace
        while process.isRunning && Self.now() < deadline { usleep(2000) }
        kill()
    }

    /// Kills the command (SIGKILL; its whole process group when it leads one, so children of a
    /// shell script die too) and waits briefly for it to be reaped.
    func kill() {
        closeStdin()
        if process.isRunning {
            let pid = process.processIdentifier
            _ = Foundation.kill(getpgid(pid) == pid ? -pid : pid, SIGKILL)
        }
        let deadline = Self.now() + 2
        while process.isRunning && Self.now() < deadline { usleep(1000) }
    }

    private func closeStdin() {
        if stdinOpen { try? stdinPipe.fileHandleForWriting.close(); stdinOpen = false }
    }

    /// Removes and returns the first complete line in the stdout buffer.
    private func takeLine() -> String? {
        guard let nl = outBuffer.firstIndex(of: 10) else { return nil }
        var bytes = Array(outBuffer[..<nl])
        outBuffer.removeFirst(nl + 1)
        if bytes.last == 13 { bytes.removeLast() }
        linesRead += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads whatever is available; sets `eof` at end of file.
    private func drain(_ fd: Int32, into buffer: inout [UInt8], eof: inout Bool) -> Int {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { buffer.append(contentsOf: chunk[..<n]); total += n; continue }
            if n == 0 { eof = true }
            return total
        }
    }

    /// Explains an early end of stdout: exit status and the stderr tail.
    private func exitMessage(waitingFor itemID: String) -> String {
        let deadline = Self.now() + 2
        var errFDEOF = stderrEOF
        while (process.isRunning || !errFDEOF) && Self.now() < deadline {
            _ = drain(stderrPipe.fileHandleForReading.fileDescriptor, into: &errTail, eof: &errFDEOF)
            usleep(2000)
        }
        stderrEOF = errFDEOF
        let status = process.isRunning ? "closed its stdout" : "exited with status \(process.terminationStatus)"
        return "external metric: \(display) \(status) after \(linesRead) answer line(s), before answering item '\(itemID)'" + stderrSuffix()
    }

    private func stderrSuffix() -> String {
        let text = String(decoding: errTail.suffix(600), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "" : "; stderr: …" + text
    }

    /// The start of a line, quoted, for messages.
    static func quote(_ s: String) -> String { "'" + (s.count > 80 ? String(s.prefix(80)) + "…" : s) + "'" }

    static func seconds(_ t: Double) -> String { t == t.rounded() ? String(Int(t)) : String(t) }

    static func now() -> Double { monotonicSeconds() }
}
