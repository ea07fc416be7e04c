/// An error that tells the user what went wrong, where, and what to do about it.
public protocol UserFacingError: Error, CustomStringConvertible, Sendable {
    /// Process exit code for this error (see README: 2 usage/input, 3 endpoint budget, 4 internal).
    var exitCode: Int32 { get }
}

/// A problem in an input file, located by file and line.
public struct InputError: UserFacingError, Hashable {
    /// File the problem is in.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// Field or key at fault, when known.
    public var field: String?
    /// What is wrong.
    public var problem: String
    /// What the user should do.
    public var remedy: String

    public init(file: String, line: Int? = nil, field: String? = nil, problem: String, remedy: String) {
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.remedy = remedy
    }

    public var exitCode: Int32 { 2 }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let field { location += " [\(field)]" }
        return "\(location): \(problem) — \(remedy)"
    }
}

/// A usage error not tied to a file (bad flag combination, unknown name).
public struct UsageError: UserFacingError, Hashable {
    /// The message, including the remedy.
    public var message: String
    public init(_ message: String) { self.message = message }
    public var exitCode: Int32 { 2 }
    public var description: String { message }
}

/// Several input errors reported together (e.g. by `mizan validate`).
public struct InputErrors: UserFacingError {
    /// All problems found.
    public var errors: [InputError]
    public init(_ errors: [InputError]) { self.errors = errors }
    public var exitCode: Int32 { 2 }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
