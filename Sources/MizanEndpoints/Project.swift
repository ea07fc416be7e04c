import Foundation
import MizanCore

/// Where a mizan project is, found the way git finds a repository: `$MIZAN_HOME` if set, else the folder
/// of `--config` (or `$MIZAN_CONFIG`) and the folders above it, else the current folder and the folders
/// above it — the first one holding `mizan.yaml` or a `Prompts/` folder is the project root. `Prompts/`,
/// `Results/mizan.sqlite` and `Results/baselines/` are taken from the root; paths are given relative to
/// the current folder when the root is the current folder or above it (so `Prompts/x` stays `Prompts/x`
/// at the root, the way runs record it), else absolute.
public struct Project: Sendable {
    /// The project root (absolute path), nil when no folder qualified.
    public var root: String?
    /// The current folder the search started from (absolute).
    public var cwd: String
    /// The configuration file to read, if any: `--config`, `$MIZAN_CONFIG`, or the root's `mizan.yaml`.
    public var configFile: String?
    /// How the root was found (or not), for messages.
    public var origin: String

    /// Finds the project. Throws a usage error when `$MIZAN_HOME` or the config file named does not exist.
    public static func locate(explicitConfig: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              cwd: String = FileManager.default.currentDirectoryPath) throws -> Project {
        let fm = FileManager.default
        var project = Project(root: nil, cwd: cwd, configFile: nil, origin: "")
        let named = explicitConfig ?? environment["MIZAN_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let named {
            guard fm.fileExists(atPath: named) else {
                throw UsageError("config file '\(named)' does not exist; pass an existing file with \(CLIFlag.config) or unset MIZAN_CONFIG")
            }
            project.configFile = named
        }
        if let home = environment["MIZAN_HOME"], !home.isEmpty {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: home, isDirectory: &isDir), isDir.boolValue else {
                throw UsageError("MIZAN_HOME is '\(home)', which is not a folder; point it at your project (the folder holding Prompts/ and mizan.yaml) or unset it")
            }
            project.root = absolute(home, cwd: cwd)
            project.origin = "set by MIZAN_HOME"
        } else if let named, let found = search(from: absolute((named as NSString).deletingLastPathComponent, cwd: cwd)) {
            project.root = found
            project.origin = "found above the config file \(named)"
        } else if let found = search(from: cwd) {
            project.root = found
            project.origin = found == cwd ? "the current folder" : "found walking up from \(cwd)"
        } else {
            project.origin = "no project found: no mizan.yaml or Prompts/ in \(cwd) or any folder above it"
        }
        if project.configFile == nil, let root = project.root {
            let file = (root as NSString).appendingPathComponent("mizan.yaml")
            if fm.fileExists(atPath: file) { project.configFile = project.path(fromRoot: "mizan.yaml") }
        }
        return project
    }

    /// The first of `start` and its ancestors holding `mizan.yaml` or a `Prompts/` folder.
    static func search(from start: String) -> String? {
        let fm = FileManager.default
        var dir = start.isEmpty ? "/" : start
        while true {
            var isDir: ObjCBool = false
            let prompts = (dir as NSString).appendingPathComponent("Prompts")
            if fm.fileExists(atPath: (dir as NSString).appendingPathComponent("mizan.yaml"))
                || (fm.fileExists(atPath: prompts, isDirectory: &isDir) && isDir.boolValue) {
                return dir
            }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { return nil }
            dir = parent
        }
    }

    /// `path` made absolute against `cwd`, with `.` and `..` components resolved.
    static func absolute(_ path: String, cwd: String) -> String {
        let joined = path.hasPrefix("/") ? path : (cwd as NSString).appendingPathComponent(path.isEmpty ? "." : path)
        var parts: [String] = []
        for part in joined.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(String(part))
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `sub` inside the project root, relative to the current folder when the root is it or one of its
    /// ancestors (`Prompts`, `../../Prompts`), else absolute; relative to the current folder when there is no root.
    public func path(fromRoot sub: String) -> String {
        guard let root else { return sub }
        if root == cwd { return sub }
        let prefix = root == "/" ? "/" : root + "/"
        if cwd.hasPrefix(prefix) {
            let depth = cwd.dropFirst(prefix.count).split(separator: "/").count
            return Array(repeating: "..", count: depth).joined(separator: "/") + "/" + sub
        }
        return (root as NSString).appendingPathComponent(sub)
    }

    /// The suites folder: the root's `Prompts/`.
    public var promptsDir: String { path(fromRoot: "Prompts") }

    /// The default SQLite store: the root's `Results/mizan.sqlite`.
    public var defaultStore: String { path(fromRoot: "Results/mizan.sqlite") }

    /// The default folder of baseline files: the root's `Results/baselines`.
    public var baselinesDir: String { path(fromRoot: "Results/baselines") }

    /// Reads the configuration file (an empty configuration when there is none).
    public func loadConfig() throws -> MizanConfig {
        guard let configFile else { return MizanConfig() }
        return try MizanConfig.load(path: configFile)
    }

    /// Where the project came from, for error messages: "the project at /p, found walking up from /p/sub".
    public var whereLooked: String {
        guard let root else { return origin }
        return "the project at \(root), \(origin)"
    }
}
