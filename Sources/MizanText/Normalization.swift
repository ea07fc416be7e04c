import MizanCore

/// How much a metric normalizes text before comparing (levels and every normalizer version: docs/normalization.md).
public enum NormalizationLevel: String, Sendable, Codable, CaseIterable {
    /// Compare text exactly as given.
    case none
    /// Canonical: NFC, invisible controls removed, whitespace unified, presentation forms folded.
    case l0
    /// Lenient, per language, for answer matching.
    case l1
}

/// A versioned text normalizer. The version goes into the run manifest; any behaviour change bumps it.
public protocol Normalizer: Sendable {
    /// Versioned name, e.g. `l0/1` or `ar-l1/1`.
    var version: String { get }
    /// Returns the normalized text.
    func normalize(_ text: String) -> String
}

/// The identity normalizer, for `normalize: none`.
public struct IdentityNormalizer: Normalizer {
    /// Creates the identity normalizer.
    public init() {}
    /// `none`.
    public var version: String { "none" }
    /// Returns `text` unchanged.
    public func normalize(_ text: String) -> String { text }
}
