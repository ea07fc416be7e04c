import Foundation
import MizanCore
import MizanHuman
import Testing

/// `mizan serve` in a real browser: headless Chromium driven through WebDriver (chromedriver). A study between two
/// real runs is judged in the browser with keyboard shortcuts and mouse clicks; the store is checked after a reload;
/// Arabic-script answers are laid out right to left; an injected `<script>` in a model answer never runs; and the
/// compare and annotation pages are photographed (into MIZAN_WEB_SCREENSHOTS if set, e.g. docs/, else a temp folder).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct WebBrowserTests {
    /// The page ids and names the tests rely on (docs/web.md documents them).
    enum Page {
        static let tokenField = "#token"
        static let loginSubmit = "#login-submit"
        static let answerA = "#answer-a-text"
        static let answerB = "#answer-b-text"
        static let pairField = "input[name=pair]"
        static let progress = "#progress"
        static func verdictButton(_ v: String) -> String { "button[name=verdict][value=\(v)]" }
        /// The keyboard shortcut of each verdict (it marks the button; Enter submits it).
        static let keys = ["a": "1", "b": "2", "tie": "t", "both_bad": "4"]
        /// WebDriver's code for the Enter key.
        static let enter = "\u{E007}"
    }

    /// Where the screenshots go.
    static func screenshotDir(_ fallback: String) -> String {
        ProcessInfo.processInfo.environment["MIZAN_WEB_SCREENSHOTS"].map { $0.hasPrefix("/") ? $0 : TestEnv.root + "/" + $0 } ?? fallback
    }

    @Test(.enabled(if: WebDriver.enabled, WebDriver.skipReason))
    func browsePagesShowArabicRightToLeftAndNeverRunAnInjectedScript() async throws {
        let dir = TestEnv.tempDir()
        let (store, runA, runB) = try WebFixtures.twoRuns(in: dir)
        let server = try RestartableServe(store: store, log: dir + "/serve.log")
        try await server.start()
        defer { server.stop() }
        let shots = Self.screenshotDir(dir)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        try await WebDriver.with(dir: dir + "/browser", width: 1280, height: 900) { browser in
            // The runs list and run B's items (loopback: browsing needs no login).
            try await browser.open(server.base + "/")
            #expect(try await browser.source().contains(String(runB.prefix(8))), "the runs list shows run B")
            try await browser.open(server.base + "/runs/\(runB)/items")
            let items = try await browser.source()
            #expect(items.contains("&lt;script&gt;document.title"), "run B's injected answer is shown as text")
            try await Self.expectInert(browser, "items page")
            #expect(items.contains("ⴰⵖⵔⵓⵎ") && items.contains("شكرا بزاف"), "Tifinagh and Darija text arrive intact")
            // Every element marked Arabic-script (lang ary/arb) is laid out right to left.
            let arabic = try await browser.elements("[lang^=ar]")
            #expect(arabic.count >= 8, "only \(arabic.count) elements tagged as Arabic on the items page")
            var checked = 0
            for e in arabic.prefix(60) {
                // Run B's injected answers start with Latin `<script>` text: with dir="auto" they are laid out left to
                // right, rightly. Every other Arabic-script element must be right to left.
                let text = try await browser.text(e)
                if text.hasPrefix("<script>") { continue }
                let direction = try await browser.css("direction", of: e)
                #expect(direction == "rtl", "an Arabic-script element is \(direction): \(text.prefix(60))")
                checked += 1
            }
            #expect(checked >= 8, "only \(checked) Arabic-script elements checked")
            // The compare page: both runs, the tables and the item-level differences side by side.
            try await browser.open(server.base + "/compare?run=\(runA)&run=\(runB)")
            let compare = try await browser.source()
            #expect(compare.contains("warm-a") && compare.contains("warm-b"), "the compare page names both runs")
            #expect(compare.contains("&lt;script&gt;document.title"), "the injected answer is in the differences, as text")
            try await Self.expectInert(browser, "compare page")
            try await Self.fullPageScreenshot(browser, to: shots + "/web-compare.png")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: shots + "/web-compare.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 20_000, "web-compare.png is a real PNG")
    }

    @Test(.enabled(if: WebDriver.enabled, WebDriver.skipReason))
    func judgeTenPairsWithKeyboardAndMouseThenReloadAndCheckTheStore() async throws {
        let dir = TestEnv.tempDir()
        let (store, runA, runB) = try WebFixtures.twoRuns(in: dir)
        let study = try WebFixtures.study(store: store, runA: runA, runB: runB, perItem: 1, annotators: ["Amina"])
        let server = try RestartableServe(store: store, log: dir + "/serve.log")
        try await server.start()
        let shots = Self.screenshotDir(dir)
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        var judged: [(pair: String, verdict: String, how: String)] = []
        var sawInjection = false

        try await WebDriver.with(dir: dir + "/browser", width: 1280, height: 900) { browser in
            // Log in as the annotator with the token the owner handed out.
            try await browser.open(server.base + "/login")
            try await browser.type(study.tokens[0].token, into: browser.element(Page.tokenField))
            try await browser.click(browser.element(Page.loginSubmit))
            try await Self.waitForPair(browser, otherThan: nil)

            var photographed = false
            var arabicAnswers = 0
            for i in 0..<10 {
                let pair = try await Self.currentPair(browser)
                let source = try await browser.source()
                let injected = source.contains("&lt;script&gt;document.title")
                sawInjection = sawInjection || injected
                try await Self.expectInert(browser, "annotation page, pair \(pair)")
                // Each answer element takes the direction of its language: right to left for Arabic script.
                for id in [Page.answerA, Page.answerB] {
                    let answer = try await browser.element(id)
                    let lang = try await browser.language(of: answer)
                    // An answer that starts with the injected (Latin) `<script>` text is laid out by its first strong
                    // character (dir="auto"): left to right, rightly. The others start in their own script.
                    if try await browser.text(answer).hasPrefix("<script>") { continue }
                    let direction = try await browser.css("direction", of: answer)
                    if lang.hasPrefix("ar") {
                        #expect(direction == "rtl", "\(id) (lang \(lang)) of pair \(pair) is \(direction)")
                        arabicAnswers += 1
                    } else if lang.hasPrefix("zgh") {
                        #expect(direction == "ltr", "\(id) (lang \(lang)) of pair \(pair) is \(direction)")
                    } else {
                        Issue.record("\(id) of pair \(pair) has no Arabic or Tamazight language tag (lang=\"\(lang)\")")
                    }
                }
                if !photographed && !injected {
                    try await Self.fullPageScreenshot(browser, to: shots + "/web-annotate.png")
                    photographed = true
                }
                let verdict = ["a", "b", "tie", "both_bad", "a"][i % 5]
                if i % 2 == 0 {
                    try await browser.press(try #require(Page.keys[verdict]))
                    let marked = try await browser.attribute("aria-pressed", of: browser.element(Page.verdictButton(verdict)))
                    #expect(marked == "true", "key \(Page.keys[verdict] ?? "") marks the \(verdict) button")
                    try await browser.press(Page.enter)
                    judged.append((pair, verdict, "keyboard"))
                } else {
                    try await browser.click(browser.element(Page.verdictButton(verdict)))
                    judged.append((pair, verdict, "mouse"))
                }
                try await Self.waitForPair(browser, otherThan: pair)
            }
            // Reload the page (a browser refresh after the last POST-redirect-GET): nothing is sent again.
            try await browser.refresh()
            try await browser.refresh()
            let progress = try await browser.text(browser.element(Page.progress))
            #expect(progress.contains("10"), "progress after 10 judgments: \(progress)")
            #expect(photographed, "an annotation page without the injected answer was photographed")
            // 8 of the 12 items are in Arabic script (2 with an injected answer), so at least 6 of the 10 pairs judged
            // showed Arabic answers: at least 10 answers without the injection.
            #expect(arabicAnswers >= 10, "only \(arabicAnswers) Arabic-script answers were checked for right-to-left")
        }
        server.stop()
        #expect(sawInjection, "at least one page showed the injected answer (as text)")

        let stored = try StoredJudgments.of(study: study.id, store: store)
        #expect(stored.count == 10, "10 judgments in the browser, \(stored.count) in the store")
        #expect(Set(stored.map(\.pair)).count == stored.count, "no pair twice")
        for j in judged {
            let s = stored.first { String($0.pair) == j.pair }
            #expect(s?.verdict.rawValue == j.verdict, "pair \(j.pair) by \(j.how): stored \(s?.verdict.rawValue ?? "nothing"), chose \(j.verdict)")
            #expect(s?.annotatorName == "Amina")
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: shots + "/web-annotate.png"))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 20_000, "web-annotate.png is a real PNG")
    }

    /// The injected script never ran: the title is not PWNED and the page has no `mizanPwned` global.
    static func expectInert(_ browser: WebDriver, _ page: String) async throws {
        #expect(try await browser.title() != "PWNED", "the injected script ran on the \(page)")
        let global = try await browser.execute("return typeof window.mizanPwned") as? String
        #expect(global == "undefined", "the injected script set its global on the \(page)")
    }

    /// The pair the annotation form is for.
    static func currentPair(_ browser: WebDriver) async throws -> String {
        try await browser.attribute("value", of: browser.element(Page.pairField)) ?? ""
    }

    /// Waits (60 s at most) until the annotation page shows a pair other than `previous`, or shows no pair any more.
    static func waitForPair(_ browser: WebDriver, otherThan previous: String?) async throws {
        let deadline = Date().addingTimeInterval(60)
        while true {
            // The page may navigate between finding the field and reading it (the form was just submitted): a
            // "stale element" answer then means "look again", not a failure.
            do {
                let fields = try await browser.elements(Page.pairField)
                if let field = fields.first {
                    if try await browser.attribute("value", of: field) != previous { return }
                } else if previous != nil {
                    return
                }
            } catch let error as WebDriverError where error.description.contains("stale element") {
                // Look again below.
            }
            guard Date() < deadline else { throw WebDriverError("the page still shows pair \(previous ?? "none") after 30 s") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    /// A screenshot of the whole page: the window is made as tall as the page (at most 2400 px) first.
    static func fullPageScreenshot(_ browser: WebDriver, to path: String) async throws {
        let height = (try await browser.execute("return document.documentElement.scrollHeight") as? NSNumber)?.intValue ?? 900
        try await browser.resize(width: 1280, height: min(max(height + 140, 600), 2400))
        try await browser.screenshot().write(to: URL(fileURLWithPath: path))
        try await browser.resize(width: 1280, height: 900)
    }
}
