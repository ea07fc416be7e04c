import Foundation
import MizanCore

/// Fills a suite's template with an item's fields.
public enum PromptRenderer {
    /// Labels for Latin-script multiple choice.
    public static let latinLabels = ["A", "B", "C", "D", "E"]
    /// Labels for Arabic-script multiple choice.
    public static let arabicLabels = ["أ", "ب", "ج", "د", "هـ"]

    /// Placeholder names used in `template` (`{{name}}`), in order of first use.
    public static func placeholders(in template: String) -> [String] {
        var names: [String] = []
        var rest = template[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The choices of an item as labelled lines (`A) …` or `أ) …` by the item's script).
    public static func choiceLines(_ choices: [String], language: LanguageTag) -> String {
        let labels = language.isArabicScript ? arabicLabels : latinLabels
        return choices.enumerated().map { "\(labels[$0.offset])) \($0.element)" }.joined(separator: "\n")
    }

    /// A rendered item: system prompt, earlier turns (few-shot examples, then the item's own
    /// `messages`), and the final user turn.
    public struct Conversation: Sendable, Hashable {
        /// System prompt.
        public var system: String?
        /// Turns before the final user turn.
        public var history: [ChatTurn]
        /// The final user turn.
        public var user: String
        /// Text between turns when flattened for completion endpoints.
        public var separator: String
    }

    /// Renders `item` with its few-shot examples and conversation history.
    public static func conversation(_ suite: Suite, item: SuiteItem) -> Conversation {
        var history: [ChatTurn] = []
        if let f = suite.fewshot {
            for example in examples(for: item, pool: suite.fewshotPool, settings: f) {
                history.append(ChatTurn(role: "user", content: render(suite, item: example).user))
                history.append(ChatTurn(role: "assistant", content: answerText(example, language: suite.language(of: example))))
            }
        }
        if case .array(let turns)? = item.fields["messages"] {
            for t in turns {
                if let role = t["role"]?.stringValue, let content = t["content"]?.stringValue { history.append(ChatTurn(role: role, content: content)) }
            }
        }
        let r = render(suite, item: item)
        return Conversation(system: r.system, history: history, user: r.user, separator: suite.fewshot?.separator ?? "\n\n")
    }

    /// The solved answer of a few-shot example: its first reference, or its correct choice's label.
    static func answerText(_ item: SuiteItem, language: LanguageTag) -> String {
        if let i = item.answerIndex {
            let labels = language.isArabicScript ? arabicLabels : latinLabels
            return i < labels.count ? labels[i] : String(i)
        }
        return item.references.first ?? ""
    }

    /// `settings.count` examples for `item`: a seeded shuffle of the pool without the item itself,
    /// so the choice is the same on every run and differs between items.
    public static func examples(for item: SuiteItem, pool: [SuiteItem], settings: FewShotSettings) -> [SuiteItem] {
        var candidates = pool.filter { $0.id != item.id }
        let digest = SHA256.hex(item.id)
        var state = settings.seed ^ (UInt64(digest.prefix(16), radix: 16) ?? 0)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var i = candidates.count - 1
        while i > 0 {
            candidates.swapAt(i, Int(next() % UInt64(i + 1)))
            i -= 1
        }
        return Array(candidates.prefix(settings.count))
    }

    /// Renders the user turn and system prompt for `item` (byte-level scan for `{{…}}`: this runs
    /// once per request, and Foundation's string search is slow here).
    public static func render(_ suite: Suite, item: SuiteItem) -> (system: String?, user: String) {
        var template = suite.template
        let out: [UInt8] = template.withUTF8 { t in
            var out: [UInt8] = []
            out.reserveCapacity(t.count + 64)
            var i = 0, copied = 0
            func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
            while i + 1 < t.count {
                guard t[i] == UInt8(ascii: "{"), t[i + 1] == UInt8(ascii: "{") else { i += 1; continue }
                var close = i + 2
                while close + 1 < t.count, !(t[close] == UInt8(ascii: "}") && t[close + 1] == UInt8(ascii: "}")) { close += 1 }
                guard close + 1 < t.count else { break }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied..<i]))
                var lo = i + 2, hi = close
                while lo < hi, isSpace(t[lo]) { lo += 1 }
                while hi > lo, isSpace(t[hi - 1]) { hi -= 1 }
                let raw = String(decoding: UnsafeBufferPointer(rebasing: t[lo..<hi]), as: UTF8.self)
                // Other Unicode spaces are trimmed as `placeholders(in:)` trims them.
                let name = raw.utf8.allSatisfy { $0 < 0x80 } ? raw : raw.trimmingCharacters(in: .whitespaces)
                if name == "choices", let choices = item.choices {
                    out.append(contentsOf: choiceLines(choices, language: suite.language(of: item)).utf8)
                } else if let v = item.fields[name] {
                    out.append(contentsOf: (v.stringValue ?? v.canonicalJSON).utf8)
                }
                i = close + 2
                copied = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: t[copied..<t.count]))
            return out
        }
        return (suite.system, String(decoding: out, as: UTF8.self))
    }
}
