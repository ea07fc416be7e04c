import MizanCore

/// Tokens and ids: random from the system's secure generator; tokens are stored only as their SHA-256 (hex).
enum Tokens {
    /// `n` random bytes as lowercase hex.
    static func randomHex(bytes n: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in
            let b = UInt8.random(in: 0...255, using: &g)
            return String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }.joined()
    }

    /// A new annotator token (160 random bits).
    static func annotatorToken() -> String { "mza-" + randomHex(bytes: 20) }

    /// A new owner token (160 random bits).
    static func ownerToken() -> String { "mzo-" + randomHex(bytes: 20) }

    /// A new id with `prefix` (32 random bits).
    static func id(prefix: String) -> String { prefix + randomHex(bytes: 4) }

    /// SHA-256 of the token's UTF-8, hex.
    static func hash(_ token: String) -> String { SHA256.hex(token) }

    /// Equal strings, compared without stopping at the first difference.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in x.indices { d |= x[i] ^ y[i] }
        return d == 0
    }
}
