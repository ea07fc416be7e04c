import Foundation
import MizanCore

/// Imports FLORES-style parallel text (one sentence a line per language) as a translation suite, or as a rolling
/// (bits-per-byte) suite over several languages.
public enum FloresImporter {
    /// The FLORES codes to look for for a language given as `ary_Arab`, `ary-Arab` or an alias (`tzm_Tfng` ⇄ `zgh_Tfng`).
    public static func codes(for raw: String) -> [String] {
        var codes = [raw.replacingOccurrences(of: "-", with: "_")]
        if let tag = LanguageTag(raw) ?? LanguageTag(raw.replacingOccurrences(of: "-", with: "_")) {
            codes.append(tag.description.replacingOccurrences(of: "-", with: "_"))
            for (alias, target) in LanguageTag.aliases.sorted(by: { $0.key < $1.key }) where target == tag.description {
                codes.append(alias.replacingOccurrences(of: "-", with: "_"))
            }
        }
        var seen = Set<String>()
        return codes.filter { seen.insert($0).inserted }
    }

    /// Candidate paths for one language in the common layouts, most specific first.
    public static func candidates(dir: String, code: String, split: String) -> [String] {
        let d = dir as NSString
        return [
            d.appendingPathComponent("\(split)/\(code).\(split)"),
            d.appendingPathComponent("\(code).\(split)"),
            d.appendingPathComponent("\(split)/\(split).\(code)"),
            d.appendingPathComponent("\(split).\(code)"),
            d.appendingPathComponent("\(split)/\(code).txt"),
            d.appendingPathComponent("\(code).txt"),
            d.appendingPathComponent("\(split)/\(code)"),
            d.appendingPathComponent(code),
        ]
    }

    /// Finds the file for a language, or throws naming every path tried.
    public static func locate(dir: String, language raw: String, split: String) throws -> String {
        var tried: [String] = []
        for code in codes(for: raw) {
            for path in candidates(dir: dir, code: code, split: split) {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { return path }
                tried.append(path)
            }
        }
        throw UsageError("no FLORES file for \(raw) (split \(split)) under \(dir); looked for:\n  "
            + tried.joined(separator: "\n  ") + "\npass \(CLIFlag.dir) pointing at the folder that holds them, or \(CLIFlag.split)")
    }

    /// Reads the two files, pairs their lines and writes the suite (language = target tag).
    public static func run(dir: String, source: String, target: String, split: String = "devtest",
                           options: ImportOptions) throws -> ImportResult {
        try SuiteImporter.check(options)
        guard let targetTag = LanguageTag(target) ?? LanguageTag(target.replacingOccurrences(of: "-", with: "_")) else {
            throw UsageError("unknown target language '\(target)': the suite's language must be one of "
                + LanguageTag.known.keys.sorted().joined(separator: ", ") + " (or a FLORES code such as fra_Latn, tzm_Tfng)")
        }
        let sourceTag = LanguageTag(source) ?? LanguageTag(source.replacingOccurrences(of: "-", with: "_"))
        let sourcePath = try locate(dir: dir, language: source, split: split)
        let targetPath = try locate(dir: dir, language: target, split: split)
        let (sourceBytes, sourceFile) = try SuiteImporter.read(sourcePath)
        let (targetBytes, targetFile) = try SuiteImporter.read(targetPath)
        let sources = try SuiteImporter.lines(sourceBytes, file: sourcePath)
        let targets = try SuiteImporter.lines(targetBytes, file: targetPath)
        guard sources.count == targets.count else {
            throw InputError(file: sourcePath, problem: "line counts differ: \(sourcePath) has \(sources.count) lines, \(targetPath) has \(targets.count)",
                             remedy: "use files of the same split and version (the FLORES lines are parallel, line n of one translates line n of the other)")
        }
        var items: [JSONValue] = []
        for (i, (s, t)) in zip(sources, targets).enumerated() {
            if let limit = options.limit, items.count >= limit { break }
            for (text, path) in [(s, sourcePath), (t, targetPath)] where text.trimmingCharacters(in: .whitespaces).isEmpty {
                throw InputError(file: path, line: i + 1, problem: "empty line", remedy: "remove blank lines from both files, keeping them parallel")
            }
            items.append(.object([
                "id": .string("flores-\(i + 1)"), "input": .string(SuiteImporter.nfc(s)),
                "reference": .string(SuiteImporter.nfc(t)), "source_line": .number(Double(i + 1)),
            ]))
        }
        guard !items.isEmpty else {
            throw InputError(file: sourcePath, problem: "the files hold no sentences", remedy: "check that you pointed at the right files")
        }
        let srcName = sourceTag.flatMap { SuiteImporter.languageNames[$0.description] } ?? source
        let tgtName = SuiteImporter.languageNames[targetTag.description] ?? targetTag.description
        let tokenize = targetTag.isArabicScript || targetTag.isTifinagh ? "intl" : "13a"
        let draft = SuiteDraft(
            language: targetTag, task: .generation,
            description: "Translation from \(srcName) into \(tgtName): \(items.count) sentences of the FLORES \(split) split "
                + "(\((sourcePath as NSString).lastPathComponent) → \((targetPath as NSString).lastPathComponent)), "
                + "imported from the user's local copy by `mizan import flores`; item source_line is the line in both files.",
            importer: "flores", files: [sourceFile, targetFile],
            template: "Translate from \(srcName) to \(tgtName):\n{{input}}\n\(tgtName):",
            metrics: [("chrf++", []), ("bleu", [("tokenize", tokenize)])],
            maxTokens: 256, items: items)
        return try SuiteImporter.write(draft, options: options)
    }

    /// Reads one file per language and writes a `task: rolling` suite: one item per sentence per language (`lang` set,
    /// `source_line` the line in every file, `cluster: source_line`), the languages of a sentence next to each other;
    /// `limit` counts sentences. Metrics bits_per_byte and byte_perplexity.
    public static func runRolling(dir: String, languages raw: [String], split: String = "devtest",
                                  options: ImportOptions) throws -> ImportResult {
        try SuiteImporter.check(options)
        guard !raw.isEmpty else { throw UsageError("\(CLIFlag.task) rolling needs \(CLIFlag.languages), e.g. \(CLIFlag.languages) fra_Latn,ary_Arab,zgh_Tfng") }
        var tags: [LanguageTag] = []
        for code in raw {
            guard let tag = LanguageTag(code) ?? LanguageTag(code.replacingOccurrences(of: "-", with: "_")) else {
                throw UsageError("unknown language '\(code)': use one of " + LanguageTag.known.keys.sorted().joined(separator: ", ")
                    + " (or a FLORES code such as fra_Latn, tzm_Tfng)")
            }
            guard !tags.contains(tag) else { throw UsageError("\(CLIFlag.languages) names \(tag) twice") }
            tags.append(tag)
        }
        var files: [ImportedFile] = []
        var texts: [[String]] = []
        var paths: [String] = []
        for code in raw {
            let path = try locate(dir: dir, language: code, split: split)
            let (bytes, file) = try SuiteImporter.read(path)
            files.append(file)
            paths.append(path)
            texts.append(try SuiteImporter.lines(bytes, file: path))
        }
        for (i, lines) in texts.enumerated() where lines.count != texts[0].count {
            throw InputError(file: paths[i], problem: "line counts differ: \(paths[0]) has \(texts[0].count) lines, \(paths[i]) has \(lines.count)",
                             remedy: "use files of the same split and version (the FLORES lines are parallel)")
        }
        var items: [JSONValue] = []
        for n in 0..<texts[0].count {
            if let limit = options.limit, n >= limit { break }
            for (k, tag) in tags.enumerated() {
                let text = texts[k][n]
                if text.trimmingCharacters(in: .whitespaces).isEmpty {
                    throw InputError(file: paths[k], line: n + 1, problem: "empty line", remedy: "remove blank lines from every file, keeping them parallel")
                }
                items.append(.object([
                    "id": .string("flores-\(n + 1)-\(tag)"), "input": .string(SuiteImporter.nfc(text)), "lang": .string(tag.description),
                    "source_line": .number(Double(n + 1)),
                ]))
            }
        }
        guard !items.isEmpty else {
            throw InputError(file: paths[0], problem: "the files hold no sentences", remedy: "check that you pointed at the right files")
        }
        let names = tags.map { SuiteImporter.languageNames[$0.description] ?? $0.description }
        var draft = SuiteDraft(
            language: tags[0], task: .rolling,
            description: "Bits per byte of the FLORES \(split) split in \(names.joined(separator: ", ")): \(items.count / tags.count) "
                + "sentences per language, one item per sentence per language (lang set; source_line is the line in every file), "
                + "imported from the user's local copy by `mizan import flores \(CLIFlag.task) rolling`. Each sentence is scored as a whole "
                + "text from the beginning of sequence; lower is better.",
            importer: "flores", files: files, template: "{{input}}", metrics: SuiteImporter.rollingMetrics, maxTokens: 0, items: items)
        draft.cluster = "source_line"
        return try SuiteImporter.write(draft, options: options)
    }
}
