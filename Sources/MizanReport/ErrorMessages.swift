import MizanCore

/// One endpoint error message and how many items ended with it.
public struct ErrorCount: Sendable, Hashable {
    /// `kind: message` (e.g. `connect: Couldn't connect to server`), on one line, shortened to 200 characters.
    public var message: String
    /// Items that ended with it.
    public var count: Int

    /// The pair as JSON: `{"message": …, "count": …}`.
    public var json: JSONValue { .object(["message": .string(message), "count": .number(Double(count))]) }
}

/// Counts endpoint error messages in bounded memory, for the "most frequent errors" of an overview.
///
/// At most `distinctLimit` different messages are told apart (a run whose every error message differs — a
/// request id in each — would otherwise keep one entry per item); later new messages are counted together as
/// `(other messages)`.
public struct ErrorMessages: Sendable {
    /// How many messages an overview shows.
    public static let shown = 3
    /// How many different messages are counted apart.
    public static let distinctLimit = 256
    /// The label of the messages beyond `distinctLimit`.
    public static let other = "(other messages)"
    private var counts: [String: Int] = [:]

    /// No messages counted yet.
    public init() {}

    /// Counts one failure.
    public mutating func add(_ failure: EndpointFailure) {
        var text = "\(failure.kind.rawValue): " + Self.withoutDurations(failure.message.split(whereSeparator: \.isNewline).joined(separator: " "))
        if text.count > 200 { text = String(text.prefix(199)) + "…" }
        if counts[text] == nil && counts.count >= Self.distinctLimit { text = Self.other }
        counts[text, default: 0] += 1
    }

    /// The message with elapsed times written as `…` (curl's `… after 3 ms: Couldn't connect`, `timed out after
    /// 30001 milliseconds`), so that the same failure is counted as one message whatever it took.
    static func withoutDurations(_ message: String) -> String {
        var words = message.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for i in words.indices.dropFirst().dropLast() where words[i - 1] == "after" && !words[i].isEmpty
            && words[i].allSatisfy(\.isASCII) && words[i].allSatisfy(\.isNumber)
            && ["ms", "ms:", "milliseconds", "seconds", "s"].contains(words[i + 1]) {
            words[i] = "…"
        }
        return words.joined(separator: " ")
    }

    /// The `shown` most frequent messages, most frequent first (ties in message order).
    public var top: [ErrorCount] {
        counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(Self.shown).map { ErrorCount(message: $0.key, count: $0.value) }
    }
}
