/// A language tag of the form `lll-Ssss`: an ISO 639-3 language and an ISO 15924 script.
public struct LanguageTag: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// ISO 639-3 language code, e.g. `ary`.
    public let language: String
    /// ISO 15924 script code, e.g. `Arab`.
    public let script: String

    /// The tags mizan knows, with a one-line meaning each (see docs/normalization.md, "Language tags").
    public static let known: [String: String] = [
        "ary-Arab": "Moroccan Darija, Arabic script",
        "ary-Latn": "Moroccan Darija, Latin script (Arabizi)",
        "arb-Arab": "Modern Standard Arabic",
        "zgh-Tfng": "Standard Moroccan Tamazight, Tifinagh (IRCAM)",
        "zgh-Latn": "Standard Moroccan Tamazight, Latin script",
        "tzm-Latn": "Central Atlas Tamazight, Latin script",
        "shi-Latn": "Tashelhit, Latin script",
        "kab-Latn": "Kabyle, Latin script",
        "rif-Latn": "Tarifit, Latin script",
        "fra-Latn": "French",
        "eng-Latn": "English",
    ]

    /// Older datasets' names for the same data, mapped to mizan's tag.
    public static let aliases: [String: String] = [
        "tzm-Tfng": "zgh-Tfng",
        "ary_Arab": "ary-Arab", "ary_Latn": "ary-Latn", "arb_Arab": "arb-Arab",
        "zgh_Tfng": "zgh-Tfng", "tzm_Tfng": "zgh-Tfng", "fra_Latn": "fra-Latn",
        "kab_Latn": "kab-Latn", "eng_Latn": "eng-Latn",
    ]

    /// Parses a known tag or alias; returns nil for anything else.
    public init?(_ raw: String) {
        let canonical = LanguageTag.aliases[raw] ?? raw
        guard LanguageTag.known[canonical] != nil else { return nil }
        let parts = canonical.split(separator: "-")
        language = String(parts[0])
        script = String(parts[1])
    }

    /// Builds a tag without checking it against the known list.
    public init(language: String, script: String) {
        self.language = language
        self.script = script
    }

    /// The tag as text, e.g. `ary-Arab`.
    public var description: String { "\(language)-\(script)" }

    /// True for tags written in Arabic script.
    public var isArabicScript: Bool { script == "Arab" }
    /// True for Tifinagh-script tags.
    public var isTifinagh: Bool { script == "Tfng" }
    /// True for Latin-script Tamazight varieties.
    public var isLatinTamazight: Bool { script == "Latn" && ["zgh", "tzm", "shi", "kab", "rif"].contains(language) }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let tag = LanguageTag(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown language tag '\(raw)'"))
        }
        self = tag
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func < (a: LanguageTag, b: LanguageTag) -> Bool { a.description < b.description }
}
