import Foundation
import MizanCore
import MizanMetrics
import MizanYAML

/// Loads and validates suites (format v1: `suite.yaml` + `items.jsonl`). See Prompts/README.md.
public enum SuiteLoader {
    /// Keys allowed at the top of `suite.yaml`.
    static let topKeys: Set<String> = ["id", "version", "language", "task", "prompt", "metrics", "generation",
                                       "description", "license", "authors", "status", "changelog", "tags", "source",
                                       "arabizi_convention", "fewshot", "cluster", "scoring", "likelihood"]
    /// Metrics that need no reference.
    static let referenceFree: Set<String> = ["fidelity", "json", "length", "judge", "external", "choice", "refusal"]

    /// Resolves `--suite` (a path to a folder or a suite id under `promptsDir`) to a folder path.
    public static func resolve(_ suite: String, promptsDir: String = "Prompts") throws -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: suite, isDirectory: &isDir), isDir.boolValue { return suite }
        if suite.hasSuffix("suite.yaml"), FileManager.default.fileExists(atPath: suite) {
            return (suite as NSString).deletingLastPathComponent
        }
        let candidate = (promptsDir as NSString).appendingPathComponent(suite)
        if FileManager.default.fileExists(atPath: (candidate as NSString).appendingPathComponent("suite.yaml")) { return candidate }
        let available = (try? SuiteLoader.discover(promptsDir: promptsDir).map { ($0 as NSString).lastPathComponent }) ?? []
        throw UsageError("no suite '\(suite)' (not a folder, and no \(candidate)/suite.yaml); "
            + (available.isEmpty ? "pass a suite folder path" : "available: \(available.joined(separator: ", "))"))
    }

    /// Every folder under `promptsDir` that holds a `suite.yaml`, sorted.
    public static func discover(promptsDir: String = "Prompts") throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: promptsDir)) ?? []
        return names.sorted().map { (promptsDir as NSString).appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("suite.yaml")) }
    }

    /// Loads a suite folder, throwing `InputErrors` listing every problem found. With `streaming`,
    /// every item is still parsed, validated and hashed, but not kept: `items` stays empty and
    /// `SuiteItemReader` reads them again while running (unless few-shot examples come from the
    /// items themselves, which keeps them in memory).
    public static func load(folder: String, streaming: Bool = false) throws -> Suite {
        var errors: [InputError] = []
        let suite = loadCollecting(folder: folder, errors: &errors, streaming: streaming)
        if !errors.isEmpty || suite == nil { throw InputErrors(errors) }
        return suite!
    }

    /// Loads what it can and appends every problem to `errors`.
    public static func loadCollecting(folder: String, errors: inout [InputError], streaming: Bool = false) -> Suite? {
        let yamlPath = (folder as NSString).appendingPathComponent("suite.yaml")
        let itemsPath = (folder as NSString).appendingPathComponent("items.jsonl")
        let header: SuiteHeader
        do {
            header = try SuiteHeader.parse(try YAMLValue.load(path: yamlPath), folder: folder)
        } catch let e as InputError {
            errors.append(e); return nil
        } catch let e as InputErrors {
            errors += e.errors; return nil
        } catch {
            errors.append(InputError(file: yamlPath, problem: "\(error)", remedy: "fix the file")); return nil
        }
        guard let lines = LineReader(path: itemsPath) else {
            errors.append(InputError(file: itemsPath, problem: "missing items file", remedy: "add items.jsonl with one JSON object per line"))
            return nil
        }
        let stamp = Self.stamp(of: itemsPath)
        let keepItems = !streaming || header.fewshot?.source == "items"
        var parser = ItemsParser(file: itemsPath, header: header)
        var items: [SuiteItem] = []
        var count = 0
        var firstOfLanguage: [LanguageTag: Int] = [:]
        var hash = SHA256()
        var itemsHash = SHA256()
        hash.update(header.canonical)
        var clusterErrors: [InputError] = []
        while let (lineNo, line) = lines.next() {
            parser.parseLine(line, lineNo: lineNo, errors: &errors) { item in
                if let field = header.cluster, item.fields[field] == nil || item.fields[field] == .null {
                    clusterErrors.append(InputError(file: itemsPath, line: lineNo, field: field,
                                             problem: "item '\(item.id)' has no '\(field)', the suite's cluster field",
                                             remedy: "give every item a '\(field)' value (items with the same value form one cluster)"))
                }
                let canonical = JSONValue.object(item.fields).canonicalJSON
                hash.update("\n")
                hash.update(canonical)
                itemsHash.update(canonical)
                itemsHash.update("\n")
                let language = item.lang ?? header.language
                if firstOfLanguage[language] == nil { firstOfLanguage[language] = count }
                count += 1
                if keepItems { items.append(item) }
            }
        }
        errors += clusterErrors
        if count == 0 && errors.isEmpty {
            errors.append(InputError(file: itemsPath, problem: "no items", remedy: "add at least one JSON line"))
        }
        var pool = items
        if let f = header.fewshot, f.source != "items" {
            let poolPath = (folder as NSString).appendingPathComponent(f.source)
            if let data = FileManager.default.contents(atPath: poolPath) {
                var poolHeader = header
                poolHeader.fewshot = nil
                var poolParser = ItemsParser(file: poolPath, header: poolHeader)
                pool = poolParser.parse(data, errors: &errors)
                for example in pool {
                    hash.update("\nfewshot:")
                    hash.update(JSONValue.object(example.fields).canonicalJSON)
                    itemsHash.update(JSONValue.object(example.fields).canonicalJSON)
                }
            } else {
                errors.append(InputError(file: yamlPath, field: "fewshot.source", problem: "few-shot source '\(f.source)' not found",
                                         remedy: "give a JSONL file relative to the suite folder, or `items`"))
            }
        }
        if let f = header.fewshot, f.source == "items", count <= f.count {
            errors.append(InputError(file: yamlPath, field: "fewshot.count",
                                     problem: "fewshot.count \(f.count) needs more than \(f.count) items to draw from",
                                     remedy: "lower the count or use a separate source file"))
        }
        var suite = Suite(id: header.id, version: header.version, language: header.language, task: header.task,
                          template: header.template, system: header.system, metrics: header.metrics,
                          generation: header.generation, info: header.info, items: items,
                          contentHash: hash.finalizeHex(), path: folder)
        suite.fewshot = header.fewshot
        suite.cluster = header.cluster
        suite.scoring = header.scoring
        suite.likelihood = header.likelihood
        suite.partHashes = header.partHashes.merging(["items": itemsHash.finalizeHex()]) { a, _ in a }
        suite.fewshotPool = header.fewshot == nil ? [] : pool
        suite.itemCount = count
        suite.streamed = !keepItems
        suite.firstItemOfLanguage = firstOfLanguage
        suite.itemsFileStamp = stamp
        return suite
    }

    /// Size and modification time of a file, to notice it changed.
    static func stamp(of path: String) -> String {
        guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return "" }
        let size = (a[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)@\(modified)"
    }
}
