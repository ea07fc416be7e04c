import Foundation
import MizanCore

// `mizan score` with several hypothesis files: sacrebleu's paired significance mode (`--paired-bs`, `--paired-ar`).

extension ScoreRunner {
    /// Reads the baseline (`hypothesisPath`) and the other systems, runs the paired test and renders it.
    static func runPaired(_ request: ScoreRequest) throws -> String {
        guard let kind = request.pairedTest else {
            throw ScoreInputError("several hypothesis files are compared with a paired test: add \(CLIFlag.pairedBs) or \(CLIFlag.pairedAr)")
        }
        guard !request.systemPaths.isEmpty else {
            throw ScoreInputError("a paired test needs at least two hypothesis files (the first is the baseline); repeat \(CLIFlag.hyp)")
        }
        if request.sentence { throw ScoreInputError("paired tests are on the corpus score: drop \(CLIFlag.sentence)") }
        if let n = request.pairedSamples, n < 1 { throw ScoreInputError("the number of resamples or trials must be at least 1") }
        let paths = [request.hypothesisPath] + request.systemPaths
        var systems = try paths.map { try SegmentFile.read($0) }
        let strip = request.options.whitespace && (request.metric == .chrf || request.metric == .chrfpp)
        if strip { systems = systems.map { $0.map(PyText.rstripped) } }  // as in render: sacrebleu's CLI rstrip()s lines
        for (k, sys) in systems.enumerated() where sys.count != systems[0].count {
            throw ScoreInputError("line counts differ: '\(paths[0])' has \(systems[0].count) lines but '\(paths[k])' has \(sys.count); every system needs one line per segment")
        }
        var refSets: [[String]] = []
        for path in request.referencePaths {
            let refs = try SegmentFile.read(path)
            guard refs.count == systems[0].count else {
                throw ScoreInputError("line counts differ: '\(paths[0])' has \(systems[0].count) lines but '\(path)' has \(refs.count); every reference file needs exactly one line per hypothesis line")
            }
            refSets.append(strip ? refs.map(PyText.rstripped) : refs)
        }
        guard !systems[0].isEmpty else { throw ScoreInputError("'\(paths[0])' is empty: nothing to score") }
        let segRefs = try ReferenceScoring.transpose(systems[0].count, refSets)
        let results = PairedSignificance.test(kind, metric: request.metric, systems: systems, segmentReferences: segRefs,
                                              options: request.options, samples: request.pairedSamples, seed: request.pairedSeed)
        let samples = request.pairedSamples ?? kind.defaultSamples
        let signature = pairedSignature(request, kind: kind, samples: samples, nrefs: ReferenceScoring.nrefsLabel(segRefs))
        return renderPaired(request, names: paths, results: results, signature: signature, samples: samples)
    }

    /// sacrebleu's signature of a paired test: `bs:1000|seed:12345|` (or `ar:10000|seed:12345|`) after `nrefs`.
    static func pairedSignature(_ request: ScoreRequest, kind: PairedTestKind, samples: Int, nrefs: String) -> String {
        let base = ReferenceScoring.signature(metric: request.metric, nrefs: nrefs, options: request.options)
        let head = "nrefs:\(nrefs)|"
        return head + "\(kind.rawValue):\(samples)|seed:\(request.pairedSeed)|" + base.dropFirst(head.count)
    }

    /// Text: a header, the signature, then one line per system (`Baseline: NAME = score (μ = mean ± ci)`, then
    /// `NAME = score (μ = mean ± ci) (p = 0.0010)*`, `*` marking p < 0.05 as sacrebleu does); JSON: one object per line.
    static func renderPaired(_ request: ScoreRequest, names: [String], results: [PairedResult], signature: String, samples: Int) -> String {
        let scoreName = ReferenceScoring.corpus(metric: request.metric, hypotheses: [""], segmentReferences: [[""]],
                                                options: request.options).name
        let kind = request.pairedTest ?? .bootstrap
        var out = ""
        if request.json {
            for (k, r) in results.enumerated() {
                var fields = ["\"system\":\(jsonString(names[k]))", "\"baseline\":\(k == 0)",
                              "\"metric\":\(jsonString(request.metric.rawValue))", "\"score\":\(jsonNumber(r.score))"]
                fields.append("\"mean\":" + (r.mean.map(jsonNumber) ?? "null"))
                fields.append("\"ci\":" + (r.ci.map(jsonNumber) ?? "null"))
                fields.append("\"p_value\":" + (r.pValue.map(jsonNumber) ?? "null"))
                fields.append("\"signature\":\(jsonString(signature))")
                out += "{" + fields.joined(separator: ",") + "}\n"
            }
            return out
        }
        let w = request.width
        let test = kind == .bootstrap ? "bootstrap resampling test with \(samples) resampling trials"
            : "approximate randomization test with \(samples) trials"
        out += "Paired \(test); each system against the baseline \(names[0])\n"
        out += "\(scoreName)|\(signature)\n"
        for (k, r) in results.enumerated() {
            var line = (k == 0 ? "Baseline: " : "") + names[k] + " = " + String(format: "%.\(w)f", r.score)
            if let m = r.mean, let ci = r.ci { line += String(format: " (μ = %.\(w)f ± %.\(w)f)", m, ci) }
            if let p = r.pValue { line += String(format: " (p = %.4f)", p) + (p > 0.05 ? "" : "*") }
            out += line + "\n"
        }
        return out
    }
}
