"""The page: index.html from the sections, with its CSS inline and no scripts or remote files."""
import os
import struct
from html import escape

CSS = """
:root { --ink: #1f2328; --soft: #57606a; --line: #d8dee4; --paper: #ffffff; --bg: #f6f8fa;
        --accent: #2f6db5; --warn: #b35900; --warnbg: #fff8ef; --ok: #1a7f37; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0 auto; max-width: 1040px; padding: 28px 20px 60px; color: var(--ink);
       font: 16px/1.6 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       "Noto Sans", "DejaVu Sans", sans-serif; }
header h1 { font-size: 2.1rem; margin: 0 0 4px; letter-spacing: -0.01em; }
header p { color: var(--soft); margin: 4px 0; max-width: 58em; }
nav ol { list-style: none; padding: 0; margin: 18px 0 8px; display: flex; flex-wrap: wrap;
         gap: 8px; }
nav a { display: inline-block; padding: 3px 11px; border: 1px solid var(--line);
        border-radius: 999px; background: var(--paper); color: var(--ink);
        text-decoration: none; font-size: 0.9rem; }
nav a:hover { border-color: var(--accent); color: var(--accent); }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
          padding: 18px 26px 20px; margin: 22px 0; }
section h2 { margin: 0 0 6px; font-size: 1.45rem; }
section h2 .n { color: var(--accent); margin-right: 0.35em; }
h3 { font-size: 0.82rem; text-transform: uppercase; letter-spacing: 0.06em;
     color: var(--soft); margin: 16px 0 4px; }
.formula { font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math", "DejaVu Serif",
           Georgia, serif; font-size: 1.08rem; background: var(--bg);
           border-left: 3px solid var(--accent); padding: 8px 14px; border-radius: 4px;
           margin: 10px 0; overflow-x: auto; }
.formula div { margin: 2px 0; white-space: nowrap; }
.formula .note { font-family: inherit; color: var(--soft); font-size: 0.9rem;
                 font-style: normal; white-space: normal; }
var { font-style: italic; }
figure { margin: 12px 0 6px; }
figure img { display: block; width: 100%; height: auto; border-radius: 4px; }
figcaption { color: var(--soft); font-size: 0.9rem; margin-top: 4px; }
ul.measured { margin: 4px 0; padding-left: 1.2em; }
ul.measured li { margin: 2px 0; }
.myth { background: var(--warnbg); border: 1px solid #f0d9bd; border-radius: 8px;
        padding: 10px 16px; margin-top: 14px; }
.myth .label { font-weight: 600; color: var(--warn); }
.myth q { font-style: italic; }
.myth .fix { margin: 4px 0 0; }
.uses { color: var(--soft); font-size: 0.82rem; margin-top: 10px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
       monospace; font-size: 0.88em; background: var(--bg); padding: 1px 4px;
       border-radius: 3px; }
footer { color: var(--soft); font-size: 0.85rem; margin-top: 30px; }
@media (max-width: 640px) { section { padding: 14px 14px; } body { padding: 16px 10px; } }
"""

INTRO = ("Each entry of a one-page deep learning cheat sheet, stated accurately and checked by "
         "a small seeded experiment run with chainrule itself. Every plot and number below "
         "was computed by chainrule's own tensors and autograd when this page was built; "
         "<code>results.json</code> beside this page holds the measured figures.")


def page(sections, meta, out_dir):
    """The complete HTML document for ``sections`` (a list of Section) whose PNGs are in
    ``out_dir``."""
    toc = "".join(f'<li><a href="#{s.key}">{s.number}. {escape(s.title)}</a></li>'
                  for s in sections)
    body = "\n".join(_section(s, out_dir) for s in sections)
    mode = "quick build (smaller experiments)" if meta["quick"] else "full build"
    cpu = (f', {meta["cpu_seconds"]:.1f} s of it on the processor' if "cpu_seconds" in meta
           else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chainrule: the living cheat sheet</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>The living cheat sheet</h1>
<p>{INTRO}</p>
<nav><ol>{toc}</ol></nav>
</header>
<main>
{body}
</main>
<footer>Built by <code>chainrule cheatsheet</code> (chainrule {escape(meta["version"])}),
{mode}, seed {meta["seed"]}: the build took {meta["seconds"]:.1f} s{cpu} (measured) on
{escape(meta.get("machine", "an unrecorded machine"))}.</footer>
</body>
</html>
"""


def _section(s, out_dir):
    figures = "".join(
        f'<figure><img src="{escape(name)}" alt="{escape(alt)}" '
        f'width="{w}" height="{h}"><figcaption>{caption}</figcaption></figure>'
        for name, alt, caption in s.images
        for w, h in [_png_size(os.path.join(out_dir, name))])
    findings = "".join(f"<li>{f}</li>" for f in s.findings)
    uses = ", ".join(f"<code>{escape(u)}</code>" for u in s.dependencies)
    shared = (" (one run for " + ", ".join(escape(t) for t in s.timed_with) + ")"
              if len(s.timed_with) > 1 else "")
    return f"""<section id="{s.key}">
<h2><span class="n">{s.number}.</span>{escape(s.title)}</h2>
{s.idea}
<div class="formula">{s.formula}</div>
{figures}
<h3>Measured</h3>
<ul class="measured">{findings}</ul>
<div class="myth"><span class="label">Common misstatement:</span> <q>{escape(s.misstatement)}</q>
<p class="fix">{s.correction}</p></div>
<p class="uses">Computed with {uses} in {s.seconds:.1f} s{shared}.</p>
</section>"""


def _png_size(path):
    # Width and height sit in the IHDR chunk right after the 8-byte signature; giving them to
    # <img> lets the browser lay the page out before the pictures arrive.
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"cheatsheet: {path} is not a PNG file")
    return struct.unpack(">II", head[16:24])
