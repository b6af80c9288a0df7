"""Headless Chromium for the cheat-sheet tests: find (or install) it, probe a page, screenshot it.

Run as a script to refresh the README's screenshot:

    python tests/cheatsheet/cheatsheet_browser.py --screenshot docs/cheatsheet.png
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--hide-scrollbars"]

# Injected into a test-only copy of the page: it records script errors, failed loads and
# console.error calls from the first moment, and after the load event writes what it found,
# plus every image's state, into the DOM that --dump-dom prints.
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__errors.push(t && t !== window && (t.src || t.href)
      ? 'failed to load ' + (t.src || t.href) : 'error: ' + e.message);
}, true);
var __ce = console.error;
console.error = function () {
  window.__errors.push('console.error: ' + [].join.call(arguments, ' '));
  __ce.apply(console, arguments);
};
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var out = document.createElement('pre');
  out.id = 'cheatsheet-probe';
  out.textContent = JSON.stringify({
    images: imgs.length,
    broken: imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
                .map(function (i) { return i.getAttribute('src'); }),
    widths: imgs.map(function (i) { return i.naturalWidth; }),
    height: Math.ceil(document.documentElement.scrollHeight),
    errors: window.__errors});
  document.body.appendChild(out);
});
</script>"""


def find_browser():
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def find_or_install_browser(timeout=600):
    """A Chromium executable; installs Debian's package when running as root with apt-get."""
    path = find_browser()
    if path or os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return path
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["timeout", str(timeout), "apt-get", "install", "-y", "chromium"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # A fresh container may have no package lists yet.
        subprocess.run(["timeout", str(timeout), "apt-get", "update"], env=env,
                       capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return find_browser()


def _run(browser, args, timeout=90):
    with tempfile.TemporaryDirectory(prefix="chainrule-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def probe(browser, index_html, width=1200):
    """Load a copy of ``index_html`` with the probe script in a ``width``-wide window; return
    the probe's findings.

    Returns a dict: images (count), broken (their src), widths, height (of the laid-out page,
    CSS pixels), errors (from the page) and console (console messages Chromium logged to
    stderr).
    """
    with open(index_html, encoding="utf-8") as f:
        html = f.read()
    if "<head>" not in html:
        raise AssertionError("the page has no <head> to put the probe in")
    copy = os.path.join(os.path.dirname(os.path.abspath(index_html)), "_probe.html")
    with open(copy, "w", encoding="utf-8") as f:
        f.write(html.replace("<head>", "<head>\n" + PROBE, 1))
    try:
        done = _run(browser, [f"--window-size={width},800", "--enable-logging=stderr",
                              "--v=0", "--dump-dom",
                              "file://" + copy])
    finally:
        os.remove(copy)
    found = re.search(r'<pre id="cheatsheet-probe">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise AssertionError(f"the probe did not report (exit {done.returncode}); stderr:\n"
                             + done.stderr[-3000:])
    report = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<")
                        .replace("&gt;", ">").replace("&quot;", '"'))
    report["console"] = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return report


def screenshot(browser, index_html, png, width=1200, height=1000):
    """A ``width`` x ``height`` screenshot of the top of the page, written to ``png``."""
    png = os.path.abspath(png)
    done = _run(browser, [f"--window-size={width},{height}", f"--screenshot={png}",
                          "file://" + os.path.abspath(index_html)])
    if not os.path.exists(png):
        raise AssertionError(f"no screenshot written (exit {done.returncode}):\n"
                             + done.stderr[-3000:])
    return png


def full_page_screenshot(browser, index_html, png, width=1200):
    """A screenshot of the whole page, ``width`` wide and as tall as the page lays out at that
    width (measured first by the probe); returns (path, height)."""
    height = int(probe(browser, index_html, width=width)["height"])
    return screenshot(browser, index_html, png, width=width, height=height), height


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", default="docs/cheatsheet.png")
    parser.add_argument("--full", action="store_true", help="the whole page, not its top")
    parser.add_argument("--out", default=None, help="existing build to use (else a full build "
                        "into a temporary folder)")
    args = parser.parse_args(argv)
    browser = find_or_install_browser()
    if browser is None:
        sys.exit("no Chromium found or installable")
    out = args.out
    if out is None:
        from chainrule.cheatsheet import build
        out = tempfile.mkdtemp(prefix="chainrule-cheatsheet-")
        build(out)
    os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
    index = os.path.join(out, "index.html")
    if args.full:
        print(full_page_screenshot(browser, index, args.screenshot)[0])
    else:
        print(screenshot(browser, index, args.screenshot))


if __name__ == "__main__":
    main()
