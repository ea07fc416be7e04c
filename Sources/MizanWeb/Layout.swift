import Foundation
import MizanReport

/// The frame every page shares (head, navigation, footer) and the two same-origin assets: the style sheet and the
/// keyboard-shortcut script. Every text goes through `Layout.h` (the HTML export's `Markup.escape`).
enum Layout {
    /// Escapes text for an HTML text node or a quoted attribute value.
    static func h(_ s: String) -> String { Markup.escape(s) }

    /// `lang` and `dir` attributes for an item's language tag (the HTML export's rule).
    static func lang(_ tag: String) -> String { HTMLExport.langAttributes(tag) }

    /// A whole page. `script` adds the shortcut script (annotation and review pages only).
    static func page(title: String, session: Session?, script: Bool = false, _ body: String) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en" dir="ltr">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(h(title)) · mizan</title>
            <link rel="stylesheet" href="/static/mizan.css">

            """
        if script { out += "<script src=\"/static/mizan.js\" defer></script>\n" }
        out += "</head>\n<body>\n" + nav(session) + "<main id=\"main\">\n<h1 id=\"page-title\">\(h(title))</h1>\n"
        out += body
        out += "</main>\n<footer>mizan serve · no scripts beyond keyboard shortcuts, no external resources.</footer>\n</body>\n</html>\n"
        return out
    }

    /// The top navigation: browse links for sessions that may browse, the study link for annotators, log in/out.
    static func nav(_ s: Session?) -> String {
        var links: [String] = []
        switch s?.role {
        case .annotator(let study, _, let name)?:
            links.append("<a id=\"nav-study\" href=\"/studies/\(h(study))\">Study</a>")
            links.append("<span class=\"note\">signed in as <bdi>\(h(name))</bdi></span>")
        case .owner(let study)?:
            links += ["<a id=\"nav-runs\" href=\"/\">Runs</a>", "<a id=\"nav-compare\" href=\"/compare\">Compare</a>",
                      "<a id=\"nav-results\" href=\"/studies/\(h(study))/results\">Study results</a>"]
        default:
            links += ["<a id=\"nav-runs\" href=\"/\">Runs</a>", "<a id=\"nav-compare\" href=\"/compare\">Compare</a>"]
        }
        if let s, s.role != .visitor {
            links.append("<form class=\"inline\" method=\"post\" action=\"/logout\">" + csrfField(s)
                         + "<button id=\"logout\" type=\"submit\">Log out</button></form>")
        } else {
            links.append("<a id=\"nav-login\" href=\"/login\">Log in</a>")
        }
        return "<nav id=\"nav\">" + links.joined(separator: " ") + "</nav>\n"
    }

    /// The hidden CSRF field every POST form carries.
    static func csrfField(_ s: Session) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(h(s.csrf))\">" }

    /// A table from a report `Table` (every cell isolated with `<bdi>`), with an id.
    static func table(_ t: Table, id: String) -> String {
        HTMLExport.plainTable(t).replacingOccurrences(of: "<table>", with: "<table id=\"\(h(id))\">")
    }

    /// The style sheet: the HTML export's, plus forms, navigation and the annotation layout.
    static let css = HTMLExport.style + """

        nav{display:flex;gap:1em;align-items:center;border-bottom:1px solid #ccc;padding-bottom:.5em;margin-bottom:1em}
        form.inline{display:inline}form.filters{display:flex;flex-wrap:wrap;gap:.6em;align-items:end;margin:.5em 0 1em}
        label{display:flex;flex-direction:column;font-size:.85em;color:#333}input,select,textarea,button{font:inherit}
        button{padding:.3em .9em;cursor:pointer}.pager{display:flex;gap:1em;margin:1em 0}
        .answers{display:grid;grid-template-columns:1fr 1fr;gap:1em}.answer{border:1px solid #bbb;border-radius:4px;padding:.5em}
        .verdicts{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}.verdicts button[aria-pressed=true]{outline:3px solid #0072B2}
        .ok{color:#060}.flash{background:#eef6ff;border:1px solid #9cc3ea;padding:.4em .8em;border-radius:4px}
        kbd{border:1px solid #999;border-radius:3px;padding:0 .3em;font-size:.85em}
        """

    /// Keyboard shortcuts of the annotation and review pages. Keys mark a button (`data-key` lists its keys); Enter
    /// clicks the marked one, which submits the form as a mouse click would. Keys typed into text fields are left alone.
    static let js = """
        "use strict";
        (function () {
          var marked = null;
          function buttons() { return Array.prototype.slice.call(document.querySelectorAll("button[data-key]")); }
          document.addEventListener("keydown", function (e) {
            var t = e.target;
            if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT")) { return; }
            if (e.ctrlKey || e.metaKey || e.altKey) { return; }
            if (e.key === "Enter") {
              if (marked) { e.preventDefault(); marked.click(); }
              return;
            }
            var key = e.key.toLowerCase();
            buttons().forEach(function (b) {
              var hit = b.getAttribute("data-key").split(" ").indexOf(key) >= 0;
              if (hit) { marked = b; e.preventDefault(); }
            });
            buttons().forEach(function (b) { b.setAttribute("aria-pressed", b === marked ? "true" : "false"); });
            var status = document.getElementById("shortcut-status");
            if (status && marked) { status.textContent = "Marked: " + marked.textContent + " — press Enter to submit"; }
          });
        })();

        """
}
