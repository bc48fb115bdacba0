"""Page weight and first paint of the built book on an emulated slow-4G phone.

Run from the repository's root after `make book`, with requirements-ci.txt installed
and Debian's `chromium` on the PATH:

    python benchmarks/pages.py              # every page of the table of contents
    python benchmarks/pages.py --width 1280 # as on a desktop

How it measures. The site in ``_build/html`` is served on 127.0.0.1 by a small server
that gzips HTML, CSS, JavaScript and SVG as GitHub Pages does (level 6; images and
fonts as they are) over HTTP/1.1 keep-alive. Each page is opened in a fresh
headless-Chromium context (cache empty) at 390 x 844 px with Chrome DevTools' "Slow
4G" network emulation, through the DevTools protocol: 562.5 ms latency, 1.44 Mbit/s
down (180,000 B/s), 675 kbit/s up. The first load is every response the page
fetched until the network was idle for 1 s after the ``load`` event, without
scrolling: MathJax and its fonts, the theme, the figures, and whatever a lazy
element near the top of the page asked for. For each page it prints the requests,
the bytes decoded (uncompressed) and transferred (gzip, headers included, from
``Network.loadingFinished``), the first paint and the first contentful paint from
the Paint Timing API, and the ``load`` event, with the targets: heaviest chapter
<= 1.0 MB transferred and first paint <= 3 s. The machine's other load inflates
times a little; the bytes do not depend on it.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

SLOW_4G = {  # Chrome DevTools' "Slow 4G" preset
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6e6 / 8 * 0.9,
    "uploadThroughput": 750e3 / 8 * 0.9,
    "connectionType": "cellular4g",
}
TARGETS = {"chapter_transfer_mb": 1.0, "first_paint_s": 3.0}


def _checks():
    """tests/browser_checks.py: the gzip server, the page list, Chromium's flags."""
    path = ROOT / "tests" / "browser_checks.py"
    spec = importlib.util.spec_from_file_location("browser_checks", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["browser_checks"] = module
    spec.loader.exec_module(module)
    return module


def pages_in_toc_order() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from _helpers import book_pages

    return [f"{page}.html" for page in book_pages(ROOT)]


def measure(browser, origin: str, page_path: str, width: int, height: int) -> dict:
    """One cold load of ``page_path`` under slow-4G emulation."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    decoded: dict[str, int] = {}
    transferred: dict[str, float] = {}
    cdp.on(
        "Network.dataReceived",
        lambda e: decoded.__setitem__(
            e["requestId"], decoded.get(e["requestId"], 0) + e["dataLength"]
        ),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    external = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(origin)
            or route.request.url.startswith("data:")
            else (external.append(route.request.url), route.abort())
        ),
    )
    start = time.perf_counter()
    page.goto(f"{origin}/{page_path}", wait_until="load", timeout=180_000)
    load_s = time.perf_counter() - start
    page.wait_for_load_state("networkidle", timeout=180_000)
    page.wait_for_timeout(1000)
    paints = page.evaluate(
        """() => Object.fromEntries(performance.getEntriesByType('paint')
            .map(p => [p.name, p.startTime / 1000]))"""
    )
    context.close()
    return {
        "page": page_path,
        "requests": len(transferred),
        "decoded_mb": sum(decoded.values()) / 1e6,
        "transferred_mb": sum(transferred.values()) / 1e6,
        "first_paint_s": paints.get("first-paint", float("nan")),
        "fcp_s": paints.get("first-contentful-paint", float("nan")),
        "load_s": load_s,
        "external": external,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument(
        "pages", nargs="*", help="pages below _build/html (default: all)"
    )
    args = parser.parse_args(argv)
    if not (HTML / "index.html").exists():
        sys.exit("the book is not built: run `make book` first")
    checks = _checks()
    executable = checks.chromium()
    if executable is None:
        sys.exit("no chromium on the PATH (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    pages = args.pages or pages_in_toc_order()
    rows = []
    with checks.Site(HTML) as site, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, args=checks.CHROMIUM_ARGS
        )
        for page_path in pages:
            rows.append(
                measure(browser, site.origin, page_path, args.width, args.height)
            )
        browser.close()

    print(
        f"\n## First load at {args.width} px, slow 4G "
        f"(latency {SLOW_4G['latency']} ms, {SLOW_4G['downloadThroughput'] / 1e3:.0f} "
        "kB/s down), gzip as on GitHub Pages\n"
    )
    header = "| page | requests | uncompressed MB | transferred MB | first paint s "
    print(header + "| FCP s | load s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['page']} | {r['requests']} | {r['decoded_mb']:.2f} | "
            f"{r['transferred_mb']:.3f} | {r['first_paint_s']:.2f} | "
            f"{r['fcp_s']:.2f} | {r['load_s']:.1f} |"
        )
    chapters = [r for r in rows if (ROOT / r["page"]).with_suffix(".ipynb").exists()]
    heaviest = max(chapters or rows, key=lambda r: r["transferred_mb"])
    slowest = max(rows, key=lambda r: r["first_paint_s"])
    ok_weight = heaviest["transferred_mb"] <= TARGETS["chapter_transfer_mb"]
    ok_paint = slowest["first_paint_s"] <= TARGETS["first_paint_s"]
    print(
        f"\nheaviest chapter: {heaviest['page']} {heaviest['transferred_mb']:.3f} MB "
        f"transferred (target <= {TARGETS['chapter_transfer_mb']} MB): "
        f"{'MET' if ok_weight else 'MISSED'}"
    )
    print(
        f"slowest first paint: {slowest['page']} {slowest['first_paint_s']:.2f} s "
        f"(target <= {TARGETS['first_paint_s']} s): {'MET' if ok_paint else 'MISSED'}"
    )
    external = sorted({u for r in rows for u in r["external"]})
    print(f"requests outside the site: {external or 'none'}")
    return 0 if ok_weight and ok_paint and not external else 1


if __name__ == "__main__":
    sys.exit(main())
