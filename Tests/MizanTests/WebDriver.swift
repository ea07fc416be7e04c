import Foundation
import MizanCore
import MizanTransport
import Testing

/// A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/) that drives headless Chromium through Debian's
/// `chromedriver`, over HTTP through mizan's own libcurl transport. It covers what the browser tests need: open a
/// page, find elements by CSS selector, click, type, press keys, read computed styles, run a script, take a
/// screenshot. One `WebDriver` is one chromedriver process with one browser session; `quit()` ends both.
final class WebDriver: @unchecked Sendable {
    // @unchecked Sendable: `process` and `session` are set once in `start` and read afterwards; tests use one driver
    // from one task at a time.

    /// Debian's Chromium and chromedriver, if installed.
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile)
    /// Debian's chromedriver (package `chromium-driver`), if installed.
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first(where: FileManager.default.isExecutableFile)
    /// Whether the browser tests run: both binaries are installed, or MIZAN_REQUIRE_CHROMIUM=1 asks for a failure
    /// (instead of a skip) when they are not.
    static let enabled = (chromium != nil && chromedriver != nil) || ProcessInfo.processInfo.environment["MIZAN_REQUIRE_CHROMIUM"] == "1"
    /// The reason shown when the browser tests are skipped.
    static let skipReason: Comment = "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver fonts-noto-core; scripts/test installs them)"

    /// The W3C key for an element reference in JSON.
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    private let process: Process
    private let base: String
    private let session: String
    private let profile: String

    /// Starts chromedriver on a free port and opens a headless Chromium session (`--headless=new`, `--no-sandbox`
    /// since tests run as root on CI, a fresh profile folder under `dir`). Throws with chromedriver's log if either
    /// does not start: a machine with the packages installed must be able to run the tests.
    init(dir: String, width: Int = 1280, height: Int = 1000) async throws {
        let chromium = try Self.require(Self.chromium, "chromium")
        let driver = try Self.require(Self.chromedriver, "chromedriver (Debian package chromium-driver)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let port = try FreePort.pick()
        let log = dir + "/chromedriver.log"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: driver)
        p.arguments = ["--port=\(port)", "--log-path=\(log)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        base = "http://127.0.0.1:\(port)"
        profile = dir + "/profile"
        do {
            // Poll /status until ready (a deadline, and chromedriver's log if it exits first).
            // 120 s: on a 2-core CI machine the whole parallel test run starts at once, and a first /status answer
            // has been seen to take more than 30 s there.
            let deadline = Date().addingTimeInterval(120)
            while !(await Self.ready(base)) {
                guard p.isRunning else { throw WebDriverError("chromedriver exited (status \(p.terminationStatus))") }
                guard Date() < deadline else { throw WebDriverError("chromedriver did not answer on \(base)/status within 120 s") }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            let options: [String: Any] = [
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)",
                         "--window-size=\(width),\(height)", "--lang=en-US", "--no-first-run", "--no-default-browser-check"]
            ]
            let caps: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]]
            let reply = try await Self.call(base, "POST", "/session", caps, timeout: 90)
            guard let value = reply as? [String: Any], let id = value["sessionId"] as? String else {
                throw WebDriverError("no session id in \(reply ?? "nil")")
            }
            session = id
        } catch {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            throw WebDriverError("could not start headless Chromium through chromedriver: \(error); chromedriver log: \(Self.tail(log))")
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Opens a browser session in `dir`, runs `body` with it, and always closes the browser and chromedriver after.
    /// Browsers are started one at a time across the whole test run (see `BrowserTurn`).
    static func with<T>(dir: String, width: Int = 1280, height: Int = 1000, _ body: (WebDriver) async throws -> T) async throws -> T {
        await BrowserTurn.shared.acquire()
        do {
            let driver = try await WebDriver(dir: dir, width: width, height: height)
            do {
                let result = try await body(driver)
                await driver.quit()
                await BrowserTurn.shared.release()
                return result
            } catch {
                await driver.quit()
                throw error
            }
        } catch {
            await BrowserTurn.shared.release()
            throw error
        }
    }

    /// Closes the browser (ending the session makes chromedriver stop Chromium) and stops chromedriver through its
    /// `/shutdown` command; it ignores SIGTERM, so a chromedriver still running 10 s later is killed.
    func quit() async {
        _ = try? await Self.call(base, "DELETE", "/session/\(session)", nil, timeout: 30)
        _ = try? await Self.call(base, "GET", "/shutdown", nil, timeout: 10)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    // MARK: - Commands

    /// Navigates to `url` and waits for the page load.
    func open(_ url: String) async throws { _ = try await command("POST", "/url", ["url": url]) }

    /// Reloads the current page.
    func refresh() async throws { _ = try await command("POST", "/refresh", [String: Any]()) }

    /// The current page's URL.
    func currentURL() async throws -> String { try await command("GET", "/url", nil) as? String ?? "" }

    /// The current page's title.
    func title() async throws -> String { try await command("GET", "/title", nil) as? String ?? "" }

    /// The current page's serialised DOM.
    func source() async throws -> String { try await command("GET", "/source", nil) as? String ?? "" }

    /// The first element matching a CSS selector; throws if there is none.
    func element(_ css: String) async throws -> Element {
        let value = try await command("POST", "/element", ["using": "css selector", "value": css])
        guard let object = value as? [String: Any], let id = object[Self.elementKey] as? String else {
            throw WebDriverError("no element id for \(css) in \(value ?? "nil")")
        }
        return Element(id: id, selector: css)
    }

    /// Every element matching a CSS selector (possibly none).
    func elements(_ css: String) async throws -> [Element] {
        let value = try await command("POST", "/elements", ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { ($0[Self.elementKey] as? String).map { Element(id: $0, selector: css) } }
    }

    /// Clicks an element (scrolled into view first, as a user would).
    func click(_ element: Element) async throws { _ = try await command("POST", "/element/\(element.id)/click", [String: Any]()) }

    /// Types `text` into an element (a text field or textarea).
    func type(_ text: String, into element: Element) async throws {
        _ = try await command("POST", "/element/\(element.id)/value", ["text": text])
    }

    /// Presses and releases one key on the focused page (a character such as "a", or a WebDriver key code).
    func press(_ key: String) async throws {
        let actions: [[String: Any]] = [["type": "keyDown", "value": key], ["type": "keyUp", "value": key]]
        _ = try await command("POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": actions]]])
        _ = try await command("DELETE", "/actions", nil)
    }

    /// An element's visible text.
    func text(_ element: Element) async throws -> String {
        try await command("GET", "/element/\(element.id)/text", nil) as? String ?? ""
    }

    /// An element's attribute or property value, if it has one.
    func attribute(_ name: String, of element: Element) async throws -> String? {
        try await command("GET", "/element/\(element.id)/attribute/\(name)", nil) as? String
    }

    /// The computed value of a CSS property (e.g. `direction`) for an element.
    func css(_ property: String, of element: Element) async throws -> String {
        try await command("GET", "/element/\(element.id)/css/\(property)", nil) as? String ?? ""
    }

    /// Runs a synchronous script in the page (as the test, not as the page: WebDriver scripts are not subject to the
    /// page's CSP) and returns its JSON result.
    func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("POST", "/execute/sync", ["script": script, "args": args])
    }

    /// The language in effect for an element: its own `lang` or its closest ancestor's (HTML's inheritance).
    func language(of element: Element) async throws -> String {
        try await execute("const e = arguments[0].closest('[lang]'); return e ? e.getAttribute('lang') : ''", [element.json]) as? String ?? ""
    }

    /// A PNG screenshot of the viewport.
    func screenshot() async throws -> Data {
        guard let b64 = try await command("GET", "/screenshot", nil) as? String, let data = Data(base64Encoded: b64) else {
            throw WebDriverError("the screenshot was not base64 PNG data")
        }
        return data
    }

    /// Resizes the browser window (e.g. to the page's full height before a screenshot).
    func resize(width: Int, height: Int) async throws {
        _ = try await command("POST", "/window/rect", ["width": width, "height": height])
    }

    /// An element reference in the current page.
    struct Element: Sendable {
        /// The WebDriver element id.
        let id: String
        /// The selector it was found with (for messages).
        let selector: String
        /// The element as a script argument.
        var json: [String: String] { [WebDriver.elementKey: id] }
    }

    // MARK: - Wire

    private func command(_ method: String, _ path: String, _ body: Any?) async throws -> Any? {
        try await Self.call(base, method, "/session/\(session)" + path, body, timeout: 120)
    }

    /// One WebDriver call: JSON in, the reply's `value` out; a W3C error reply throws with its error and message.
    private static func call(_ base: String, _ method: String, _ path: String, _ body: Any?, timeout: Double) async throws -> Any? {
        var request = HTTPRequest(url: base + path, method: method, timeouts: Timeouts(connect: 10, total: timeout, stall: nil))
        if let body {
            request.body = Array(try JSONSerialization.data(withJSONObject: body))
            request.headers = [("Content-Type", "application/json; charset=utf-8")]
        }
        let response = try await CurlEngine.shared.send(request)
        let object = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        let value = (object as? [String: Any])?["value"]
        guard response.status == 200 else {
            let error = (value as? [String: Any]).map { "\($0["error"] ?? "?"): \($0["message"] ?? "")" }
            throw WebDriverError("\(method) \(path) → HTTP \(response.status): \(error ?? String(decoding: response.body.prefix(500), as: UTF8.self))")
        }
        return value is NSNull ? nil : value
    }

    /// Whether chromedriver's `/status` answers 200.
    private static func ready(_ base: String) async -> Bool {
        let request = HTTPRequest(url: base + "/status", timeouts: Timeouts(connect: 1, total: 2, stall: nil))
        return (try? await CurlEngine.shared.send(request))?.status == 200
    }

    private static func require(_ path: String?, _ what: String) throws -> String {
        guard let path else { throw WebDriverError("\(what) is not installed but MIZAN_REQUIRE_CHROMIUM=1 (apt-get install chromium chromium-driver)") }
        return path
    }

    private static func tail(_ path: String) -> String {
        String((try? String(contentsOfFile: path, encoding: .utf8))?.suffix(1500) ?? "(no log)")
    }
}

/// A process-wide turn for the browser tests: one headless Chromium at a time, so that several browser suites
/// running in parallel do not compete for a 2-core CI machine's CPU while the rest of the tests run too.
actor BrowserTurn {
    /// The one turn shared by every browser test.
    static let shared = BrowserTurn()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Waits until no other browser test holds the turn, then takes it.
    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the turn to the next waiting test, or frees it.
    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

/// A WebDriver call or the browser's start failed.
struct WebDriverError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    init(_ description: String) { self.description = description }
}

/// A free TCP port on 127.0.0.1 for a server that must be told its port (chromedriver, `mizan serve`): bound to port 0,
/// read back, closed. Another process could take it in between; the servers' start-up fails loudly if so.
enum FreePort {
    /// Picks a port the kernel reports free.
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw WebDriverError("bind(127.0.0.1:0) failed") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: actual.sin_port))
    }
}
