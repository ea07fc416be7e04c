import Foundation
import MizanCore
import MizanText
import Testing

/// The repository explains itself: nothing cites a document outside it, every normalizer version the
/// code can produce is specified in docs/normalization.md, and links between the documents resolve.
@Suite(.timeLimit(.minutes(5))) struct RepositoryDocsTests {
    /// The package root (the folder holding Package.swift).
    static let root = TestEnv.root

    /// Text files a reader or maintainer reads: sources, tests, scripts, benchmarks, examples and every Markdown
    /// document outside the suites' item data (test fixtures are data, not prose).
    static func readableFiles() throws -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        for top in ["Sources", "Tests", "scripts", "Benchmarks", "examples", "docs", "Prompts"] {
            guard let walker = fm.enumerator(atPath: root + "/" + top) else { continue }
            while let relative = walker.nextObject() as? String {
                let path = top + "/" + relative
                if path.hasPrefix("Tests/MizanTests/Fixtures/") { continue }
                if top == "Prompts" && !path.hasSuffix(".md") { continue }
                let ext = (path as NSString).pathExtension
                let isScript = top == "scripts" && ext.isEmpty
                if ["swift", "md", "py", "sh", "yaml", "yml", "c", "h"].contains(ext) || isScript {
                    var isDir: ObjCBool = false
                    if fm.fileExists(atPath: root + "/" + path, isDirectory: &isDir), !isDir.boolValue { files.append(path) }
                }
            }
        }
        for top in ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "Package.swift", "mizan.example.yaml"]
        where fm.fileExists(atPath: root + "/" + top) {
            files.append(top)
        }
        return files
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: root + "/" + path, encoding: .utf8)
    }

    @Test func nothingCitesADocumentOutsideTheRepository() throws {
        // Spelled in pieces so this file does not match itself.
        let forbidden = ["../" + "shared", "shared/" + "LANGUAGES", "LANGUAGES" + ".md", "DESIGN" + ".md"]
        let files = try Self.readableFiles()
        #expect(files.count > 100, "found only \(files.count) files under \(Self.root)")
        var hits: [String] = []
        for file in files {
            let text = try Self.read(file)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for word in forbidden where line.contains(word) { hits.append("\(file):\(n + 1): \(word)") }
            }
        }
        #expect(hits.isEmpty, "cite docs/normalization.md or docs/architecture.md instead:\n\(hits.joined(separator: "\n"))")
    }

    @Test func everyNormalizerVersionIsSpecified() throws {
        let spec = try Self.read("docs/normalization.md")
        var versions: Set<String> = [ArabicNormalizer(collapseRepeats: false).version]
        for raw in LanguageTag.known.keys {
            let tag = try #require(LanguageTag(raw))
            for level in NormalizationLevel.allCases { versions.insert(Normalizers.make(level, for: tag).version) }
        }
        #expect(versions.count >= 8)
        for version in versions.sorted() {
            #expect(spec.contains("`\(version)`"), "docs/normalization.md does not specify normalizer version \(version)")
        }
        for tag in LanguageTag.known.keys.sorted() {
            #expect(spec.contains("`\(tag)`"), "docs/normalization.md does not list language tag \(tag)")
        }
    }

    @Test func documentLinksAndCitedDocumentsExist() throws {
        let fm = FileManager.default
        var missing: [String] = []
        let link = try Regex(#"\]\(([^)\s]+)\)"#)
        let cited = try Regex(#"docs/[A-Za-z0-9_-]+\.md"#)
        for file in try Self.readableFiles() {
            let text = try Self.read(file)
            let folder = (file as NSString).deletingLastPathComponent
            if file.hasSuffix(".md") {
                for match in text.matches(of: link) {
                    var target = String(text[match.range]).dropFirst(2).dropLast()
                    if target.hasPrefix("http") || target.hasPrefix("#") || target.hasPrefix("mailto:") { continue }
                    if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
                    let path = folder.isEmpty ? String(target) : folder + "/" + target
                    if !fm.fileExists(atPath: Self.root + "/" + path) { missing.append("\(file): link to \(target)") }
                }
            }
            for match in text.matches(of: cited) {
                let doc = String(text[match.range])
                if !fm.fileExists(atPath: Self.root + "/" + doc) { missing.append("\(file): cites \(doc)") }
            }
        }
        #expect(missing.isEmpty, "\(missing.joined(separator: "\n"))")
    }
}
