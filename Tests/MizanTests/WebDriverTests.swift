import Foundation
import Testing

/// The WebDriver client itself, on a static page: headless Chromium starts through chromedriver, and the client's
/// clicks, key presses, computed styles and screenshots reach the browser. A failure here means the browser tests of
/// `mizan serve` cannot be trusted either.
@Suite(.timeLimit(.minutes(5)))
struct WebDriverTests {
    @Test(.enabled(if: WebDriver.enabled, WebDriver.skipReason))
    func headlessChromiumAnswersClicksKeysAndStyles() async throws {
        let dir = TestEnv.tempDir()
        let page = dir + "/page.html"
        try """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>start</title></head><body>
        <p id="ary" lang="ary" dir="rtl">واش نتا مزيان؟</p><p id="zgh" lang="zgh" dir="ltr">ⴰⵣⵓⵍ</p>
        <button id="b" type="button">press</button><input id="t" name="t">
        <script>
        document.getElementById('b').addEventListener('click', () => { document.title = 'clicked'; });
        document.addEventListener('keydown', e => { if (e.target.tagName !== 'INPUT') document.title = 'key ' + e.key; });
        </script></body></html>
        """.write(toFile: page, atomically: true, encoding: .utf8)
        try await WebDriver.with(dir: dir + "/browser") { browser in
            try await browser.open("file://" + page)
            #expect(try await browser.title() == "start")
            #expect(try await browser.css("direction", of: browser.element("#ary")) == "rtl")
            #expect(try await browser.css("direction", of: browser.element("#zgh")) == "ltr")
            #expect(try await browser.language(of: browser.element("#ary")) == "ary")
            try await browser.click(browser.element("#b"))
            #expect(try await browser.title() == "clicked")
            try await browser.press("a")
            #expect(try await browser.title() == "key a")
            let field = try await browser.element("#t")
            try await browser.type("ⵜⴰⵎⴰⵣⵉⵖⵜ", into: field)
            #expect(try await browser.execute("return document.getElementById('t').value") as? String == "ⵜⴰⵎⴰⵣⵉⵖⵜ")
            #expect(try await browser.elements("p").count == 2)
            #expect(try await browser.elements("table").isEmpty)
            let png = try await browser.screenshot()
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && png.count > 1000)
        }
    }
}
