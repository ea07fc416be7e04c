import Foundation
import MizanCore

/// Who a browser session belongs to.
public enum SessionRole: Sendable, Hashable {
    /// Not logged in (a visitor who opened the login page: holds only a CSRF token for the login form).
    case visitor
    /// Logged in with the server's browse token (`--allow-remote`): may browse runs, items and comparisons.
    case browser
    /// Logged in with a study's owner token: that study's results and admin actions, and browsing.
    case owner(studyID: String)
    /// Logged in with an annotator token: that study's annotation (or review) pages only.
    case annotator(studyID: String, annotatorID: String, name: String)

    /// The study this role is tied to, if any.
    public var studyID: String? {
        switch self {
        case .owner(let s), .annotator(let s, _, _): return s
        case .visitor, .browser: return nil
        }
    }
}

/// One browser session: a random id (the only thing in the cookie), its CSRF token and its role.
public struct Session: Sendable, Hashable {
    /// The random session id (64 hex digits); the cookie value.
    public var id: String
    /// The per-session CSRF token every POST form carries (64 hex digits).
    public var csrf: String
    /// Who the session belongs to.
    public var role: SessionRole
    /// When the session was last used (sessions idle for `Sessions.idleLimit` are dropped).
    var lastSeen: Date
}

/// The server's sessions, in memory only: a restart logs everyone out (tokens, not sessions, are what the store keeps).
public final class Sessions: Sendable {
    /// The cookie name.
    public static let cookie = "mizan_session"
    /// Sessions unused this long are forgotten (12 hours).
    static let idleLimit: TimeInterval = 12 * 3600
    /// At most this many sessions; the least recently used go first.
    static let capacity = 10_000
    private let state = Locked([String: Session]())

    /// An empty session table.
    public init() {}

    /// The live session with this id (refreshing its last use), or nil.
    public func find(_ id: String?) -> Session? {
        guard let id, !id.isEmpty else { return nil }
        let now = Date()
        return state.withLock { table in
            guard var s = table[id] else { return nil }
            if now.timeIntervalSince(s.lastSeen) > Self.idleLimit { table[id] = nil; return nil }
            s.lastSeen = now
            table[id] = s
            return s
        }
    }

    /// A new session with `role`, replacing `old` if given (a login gets a fresh id: no session fixation).
    public func create(role: SessionRole, replacing old: String? = nil) -> Session {
        let s = Session(id: Secrets.token(), csrf: Secrets.token(), role: role, lastSeen: Date())
        state.withLock { table in
            if let old { table[old] = nil }
            if table.count >= Self.capacity {
                let cutoff = Date().addingTimeInterval(-Self.idleLimit)
                table = table.filter { $0.value.lastSeen > cutoff }
                if table.count >= Self.capacity, let oldest = table.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
                    table[oldest.key] = nil
                }
            }
            table[s.id] = s
        }
        return s
    }

    /// Forgets a session (logout).
    public func remove(_ id: String) { state.withLock { $0[id] = nil } }

    /// The `Set-Cookie` value for a session: HttpOnly, SameSite=Strict, path `/`, no expiry (a browser-session cookie).
    static func setCookie(_ s: Session) -> String { "\(cookie)=\(s.id); Path=/; HttpOnly; SameSite=Strict" }

    /// The `Set-Cookie` value that clears the cookie.
    static let clearCookie = "\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}
