"""Times the pages of a running `mizan serve` (Benchmarks/web-latency.sh).

  web_latency.py BASE RUN_A RUN_B REQUESTS OUT.json [STUDY ANNOTATOR_TOKEN [OWNER_TOKEN]]
  web_latency.py --summarise ITEMS round-1.json round-2.json ...

Each page: one cold request, then REQUESTS sequential timed requests (wall time from sending the request to the last
byte of the body, one keep-alive connection). A response other than 200, or one that is mizan's error page, stops the
benchmark: an error is never timed as a fast page.
"""
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie, like one browser tab."""

    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
        self.cookie = None

    def request(self, method, path, body=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        elapsed = time.perf_counter() - t0
        cookie = r.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        return r.status, r.getheader("Location"), data.decode("utf-8", "replace"), elapsed

    def login(self, token):
        status, _, page, _ = self.request("GET", "/login")
        csrf = re.search(r'name="csrf" value="([^"]*)"', page)
        assert status == 200 and csrf, ("GET /login", status)
        body = urllib.parse.urlencode({"csrf": csrf.group(1), "token": token})
        status, location, _, _ = self.request("POST", "/login", body)
        assert status == 303 and location and "failed" not in location, ("login refused", status, location)
        return location


def time_page(client, path, n):
    """The cold latency and the n timed latencies of GET path."""
    samples = []
    for i in range(n + 1):
        status, _, page, elapsed = client.request("GET", path)
        if status != 200 or 'id="error-message"' in page:
            sys.exit(f"GET {path} -> {status}: {page[:400]}")
        samples.append(elapsed)
    return samples[0], samples[1:]


def measure(argv):
    base, run_a, run_b, n, out = argv[0], argv[1], argv[2], int(argv[3]), argv[4]
    browse = Client(base)
    pages = [
        ("runs list", "/"),
        ("run overview", f"/runs/{run_a}"),
        ("items, first page", f"/runs/{run_a}/items"),
        ("items, search + language", f"/runs/{run_a}/items?" + urllib.parse.urlencode({"language": "zgh-Tfng", "q": "ⴰⵎⴰⵏ 9999"})),
        ("items, score filter", f"/runs/{run_a}/items?" + urllib.parse.urlencode({"metric": "exact", "max": "0"})),
        ("compare (2 runs)", f"/compare?run={run_a}&run={run_b}"),
    ]
    results = {}
    for name, path in pages:
        results[name] = time_page(browse, path, n)
    if len(argv) > 6:
        annotator = Client(base)
        home = annotator.login(argv[6])
        results["annotation page"] = time_page(annotator, home, n)
        if len(argv) > 7:
            owner = Client(base)
            results["study results"] = time_page(owner, owner.login(argv[7]), n)
    json.dump({k: {"cold": c, "samples": s} for k, (c, s) in results.items()}, open(out, "w"))


def percentile(xs, p):
    """Nearest-rank percentile."""
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def summarise(argv):
    items, files = argv[0], argv[1:]
    rounds = [json.load(open(f)) for f in files]
    n = len(next(iter(rounds[0].values()))["samples"])
    print(f"mizan serve, store of 2 runs x {items} items (SQLite); {len(rounds)} rounds x {n} requests per page;")
    print("median over rounds of each round's p50 / p95, and of the first (cold) request, in milliseconds:")
    print(f"  {'page':28} {'p50':>9} {'p95':>9} {'cold':>9}")
    for page in rounds[0]:
        p50 = statistics.median(percentile(r[page]["samples"], 50) for r in rounds) * 1000
        p95 = statistics.median(percentile(r[page]["samples"], 95) for r in rounds) * 1000
        cold = statistics.median(r[page]["cold"] for r in rounds) * 1000
        print(f"  {page:28} {p50:9.1f} {p95:9.1f} {cold:9.1f}")


if __name__ == "__main__":
    if sys.argv[1] == "--summarise":
        summarise(sys.argv[2:])
    else:
        measure(sys.argv[1:])
