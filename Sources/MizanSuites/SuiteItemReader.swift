import Foundation
import MizanCore

/// Splits bytes into `\n`-separated lines numbered from 1, from memory or from a file read in
/// 64 KiB chunks (so a large `items.jsonl` is never held whole). The text after the last newline
/// is a line too (possibly empty), as the whole-file parser always counted it.
final class LineReader {
    private var buffer: [UInt8]
    private var start = 0
    private var scanned = 0
    private var fd: Int32 = -1
    private var eof: Bool
    private var finished = false
    private var lineNo = 0

    /// Lines of bytes already in memory.
    init(data: Data) {
        buffer = [UInt8](data)
        eof = true
    }

    /// Lines of a file; nil when it cannot be opened.
    init?(path: String) {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        buffer = []
        eof = false
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The next line (without its newline) and its number.
    func next() -> (Int, ArraySlice<UInt8>)? {
        while true {
            if let nl = buffer[max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNo += 1
                let line = buffer[start..<nl]
                start = nl + 1
                scanned = start
                return (lineNo, line)
            }
            scanned = buffer.count
            if eof {
                if finished { return nil }
                finished = true
                lineNo += 1
                let line = buffer[start...]
                start = buffer.count
                return (lineNo, line)
            }
            buffer.removeFirst(start)
            scanned -= start
            start = 0
            let chunk = 1 << 16
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, chunk) }
            buffer.removeLast(chunk - max(n, 0))
            if n <= 0 { eof = true }
        }
    }
}

/// Reads a suite's items one at a time in file order: from memory for a fully loaded suite, or
/// from `items.jsonl` for a streamed one (`SuiteLoader.load(folder:streaming: true)`), so a run of
/// 100,000 items never holds them all. The file must not change between loading and reading: its
/// size and modification time are checked, and a line that no longer parses is an error.
public final class SuiteItemReader {
    private let suite: Suite
    private var index = 0
    private var lines: LineReader?
    private var parser: ItemsParser?
    private var pending: [SuiteItem] = []
    private let path: String

    /// Starts reading `suite`'s items from the first.
    public init(_ suite: Suite) throws {
        self.suite = suite
        path = (suite.path as NSString).appendingPathComponent("items.jsonl")
        guard suite.streamed else { return }
        guard SuiteLoader.stamp(of: path) == suite.itemsFileStamp, let lines = LineReader(path: path) else {
            throw InputError(file: path, problem: "the items file changed (or vanished) since the suite was loaded",
                             remedy: "run again; do not edit a suite's items while it runs")
        }
        self.lines = lines
        parser = ItemsParser(file: path, header: SuiteHeader(suite))
    }

    /// The next item, or nil after the last.
    public func next() throws -> SuiteItem? {
        guard suite.streamed else {
            guard index < suite.items.count else { return nil }
            index += 1
            return suite.items[index - 1]
        }
        while pending.isEmpty {
            guard let (lineNo, line) = lines?.next() else { return nil }
            var errors: [InputError] = []
            var found: [SuiteItem] = []
            parser!.parseLine(line, lineNo: lineNo, errors: &errors) { found.append($0) }
            if let e = errors.first {
                throw InputError(file: path, line: e.line, field: e.field,
                                 problem: "the items file changed since the suite was loaded: \(e.problem)", remedy: e.remedy)
            }
            pending = found.reversed()
        }
        return pending.removeLast()
    }
}

extension SuiteHeader {
    /// The header of a loaded suite (what the item parser needs to re-read its items).
    init(_ suite: Suite) {
        self.init()
        id = suite.id
        version = suite.version
        language = suite.language
        task = suite.task
        template = suite.template
        system = suite.system
        metrics = suite.metrics
        generation = suite.generation
        info = suite.info
        fewshot = suite.fewshot
    }
}
