import Foundation
import MizanCore

/// Prints `text`, or writes it to `path` atomically (`--out`) and says so on stderr.
func emit(_ text: String, to path: String?) throws {
    guard let path else { print(text, terminator: ""); return }
    try writeAtomically(text, to: path)
    printErr("wrote \(path)")
}

/// Writes `text` to `path` through a temporary file in the same folder and a rename, so readers never see half a file.
/// With `createFolder`, a missing folder is created (CI report paths such as `reports/junit.xml`).
func writeAtomically(_ text: String, to path: String, createFolder: Bool = false) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent().path
    if createFolder { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        throw UsageError("cannot write \(path): the folder \(dir) does not exist; create it first")
    }
    let tmp = (dir as NSString).appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        if rename(tmp, path) != 0 { throw CocoaError(.fileWriteUnknown) }
    } catch {
        try? FileManager.default.removeItem(atPath: tmp)
        throw UsageError("cannot write \(path): \(error.localizedDescription); check permissions and free space")
    }
}
