// mizan-testserver: a local model server for benchmarks and demos.
//
//   mizan-testserver [--host H] [--port N] [--mode echo|answers|enormous|toy-MODE] [--answers FILE.jsonl]
//                    [--bytes N] [--chunked] [--delay SECONDS] [--chunk-delay SECONDS] [--context TOKENS]
//                    [--capacity N]   (with --mode knee|rate-limited)
//
// Prints `listening on http://HOST:PORT` and serves until SIGTERM or SIGINT.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import MizanTestSupport

/// The text answered in `answers` mode when no line matches the prompt.
let defaultAnswer = "I do not know."

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mizan-testserver: \(message)\n".utf8))
    exit(2)
}

let usage = """
    usage: mizan-testserver [--host H] [--port N] [--mode echo|answers|enormous|toy-MODE] [--answers FILE.jsonl]
                            [--bytes N] [--chunked] [--delay SECONDS] [--chunk-delay SECONDS] [--context TOKENS]
      --mode echo      answer every prompt with the prompt text (default)
      --mode answers   answer the exact prompt from FILE.jsonl lines {"prompt": "...", "output": "..."},
                       else "\(defaultAnswer)"
      --mode enormous  answer every request with one valid JSON body of --bytes N bytes (default 64 MiB),
                       with a Content-Length, or unannounced with --chunked (a runaway endpoint)
      --mode toy-llama        the deterministic toy language model (docs/likelihood.md) as llama-server:
                              /tokenize, /completion with token-id grammars, /props, OpenAI chat, and
                              OpenAI completions that ignore echo
      --mode toy-echo         the toy model as a vLLM-style OpenAI server (completions honour echo + logprobs)
      --mode toy-ignore-echo  the toy model as an OpenAI server whose completions ignore echo
      --mode toy-chat         the toy model behind chat completions only
      --mode knee      echo, but at most --capacity N requests are worked on at once, each for --delay S
                       (default 0.05); the rest queue (a server with a throughput knee at N)
      --mode rate-limited  as knee, but requests beyond --capacity N get 429 with Retry-After: 0 at once
      --capacity N     requests worked on at once in knee and rate-limited modes (default 4)
      --context N      the toy model's context size in tokens (default 64)
      --delay S        wait S seconds before each answer
      --chunk-delay S  wait S seconds between stream chunks
    """

/// The parsed command line.
struct Options {
    var host = "127.0.0.1"
    var port: UInt16 = 0
    var mode = "echo"
    var answersPath: String?
    var delay = 0.0
    var chunkDelay = 0.0
    var context = 64
    var bytes = 64 << 20
    var chunked = false
    var capacity = 4
    var delayGiven = false
}

func parseOptions(_ all: [String]) -> Options {
    var options = Options()
    var arguments = all.dropFirst()
    var modeGiven = false
    func value(_ flag: String) -> String {
        guard let v = arguments.popFirst() else { fail("\(flag) needs a value\n\(usage)") }
        return v
    }
    func seconds(_ flag: String) -> Double {
        guard let d = Double(value(flag)), d >= 0, d.isFinite else { fail("\(flag) needs seconds >= 0") }
        return d
    }
    while let arg = arguments.popFirst() {
        switch arg {
        case "--host": options.host = value(arg)
        case "--port":
            guard let p = UInt16(value(arg)) else { fail("--port needs a number 0-65535") }
            options.port = p
        case "--mode": options.mode = value(arg); modeGiven = true
        case "--answers": options.answersPath = value(arg)
        case "--delay": options.delay = seconds(arg); options.delayGiven = true
        case "--capacity":
            guard let n = Int(value(arg)), n >= 1 else { fail("--capacity needs a number >= 1") }
            options.capacity = n
        case "--chunk-delay": options.chunkDelay = seconds(arg)
        case "--context":
            guard let n = Int(value(arg)), n >= 2 else { fail("--context needs a number of tokens >= 2") }
            options.context = n
        case "--bytes":
            guard let n = Int(value(arg)), n >= 0 else { fail("--bytes needs a byte count >= 0") }
            options.bytes = n
        case "--chunked": options.chunked = true
        case "-h", "--help": print(usage); exit(0)
        default: fail("unknown argument \(arg)\n\(usage)")
        }
    }
    if options.answersPath != nil, !modeGiven { options.mode = "answers" }
    let toyModes = ToyServerMode.allCases.map { "toy-" + $0.rawValue }
    guard ["echo", "answers", "enormous", "knee", "rate-limited"].contains(options.mode) || toyModes.contains(options.mode) else {
        fail("--mode must be echo, answers, enormous, knee, rate-limited or one of \(toyModes.joined(separator: ", "))")
    }
    return options
}

/// Reads `{"prompt", "output"}` JSONL lines into a prompt → output table.
func loadAnswers(_ path: String) -> [String: String] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    var answers: [String: String] = [:]
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    for (number, line) in lines.enumerated() {
        if line.allSatisfy(\.isWhitespace) { continue }
        guard let json = TestJSON.parse(String(line)), let prompt = json["prompt"]?.stringValue,
              let output = json["output"]?.stringValue else {
            fail("\(path):\(number + 1): expected {\"prompt\": \"...\", \"output\": \"...\"}")
        }
        answers[prompt] = output
    }
    return answers
}

let options = parseOptions(CommandLine.arguments)
var table: [String: String] = [:]
if options.mode == "answers" {
    guard let path = options.answersPath else { fail("--mode answers needs --answers FILE.jsonl") }
    table = loadAnswers(path)
}

// Block the stop signals in every thread (server threads inherit the mask) and wait for them here.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGINT)
sigaddset(&signals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &signals, nil)

let answers = table
let echo = options.mode == "echo"
let delay = options.delay
let chunkDelay = options.chunkDelay
let enormous: TestFault? = options.mode != "enormous" ? nil
    : options.chunked ? .enormousChunkedBody(bytes: options.bytes) : .enormousBody(bytes: options.bytes)
let server: TestHTTPServer
do {
    if options.mode.hasPrefix("toy-"), let mode = ToyServerMode(rawValue: String(options.mode.dropFirst(4))) {
        let toy = ToyModelServer.responder(model: ToyLanguageModel(contextSize: options.context), mode: mode)
        server = try TestHTTPServer(host: options.host, port: options.port, routeAllPathsToResponder: true) { request in
            delay > 0 ? .delayed(seconds: delay, toy(request)) : toy(request)
        }
    } else if options.mode == "knee" || options.mode == "rate-limited" {
        let model = CapacityModel(capacity: options.capacity, serviceSeconds: options.delayGiven ? delay : 0.05,
                                  overflow: options.mode == "knee" ? .queue : .reject)
        server = try TestHTTPServer(host: options.host, port: options.port) { model.reply($0) }
    } else {
        server = try TestHTTPServer(host: options.host, port: options.port) { request in
            if let enormous { return delay > 0 ? .delayed(seconds: delay, .fault(enormous)) : .fault(enormous) }
            let text = echo ? request.prompt : (answers[request.prompt] ?? defaultAnswer)
            let reply = TestReply.completion(TestCompletion(text: text, chunkDelay: chunkDelay))
            return delay > 0 ? .delayed(seconds: delay, reply) : reply
        }
    }
} catch {
    fail("\(error)")
}
FileHandle.standardOutput.write(Data("listening on \(server.baseURL)\n".utf8))

var received: Int32 = 0
sigwait(&signals, &received)
server.stop()
FileHandle.standardError.write(Data("mizan-testserver: stopped after \(server.requestCount) requests\n".utf8))
exit(0)
