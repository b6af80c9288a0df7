"""A griffe extension: render chainrule's reStructuredText-flavoured docstrings as Markdown.

The docstrings are written to read well in ``help()``: formulas as ``.. math::`` blocks and
``:math:`x``` roles, shapes such as ``(*, in_features)``. Markdown would drop the block's
layout and read the lone ``*`` of a shape as emphasis, so before griffe parses a docstring
this turns math blocks into fenced code, math roles into code spans and escapes shape stars.
The source docstrings stay as they are.
"""
import re

import griffe

_ROLE = re.compile(r":math:`([^`]*)`")
_SHAPE_STAR = re.compile(r"(?<=\()\*(?=[,)])|(?<=, )\*(?=[,)])")


def _math_blocks(text):
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == ".. math::":
            indent = len(line) - len(line.lstrip())
            block, i = [], i + 1
            while i < len(lines) and (not lines[i].strip()
                                      or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            while block and not block[0].strip():
                block.pop(0)
            body = block
            depth = min((len(b) - len(b.lstrip()) for b in body if b.strip()), default=0)
            pad = " " * indent
            out += [pad + "```text"] + [pad + b[depth:] for b in body] + [pad + "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _unbacked(text, fn):
    """Apply fn to the parts of text outside ``code`` spans."""
    parts = re.split(r"(``[^`]*``|`[^`]*`)", text)
    return "".join(p if k % 2 else fn(p) for k, p in enumerate(parts))


def rst_to_markdown(text):
    text = _math_blocks(text)
    text = _ROLE.sub(lambda m: f"``{m.group(1)}``", text)
    return _unbacked(text, lambda s: _SHAPE_STAR.sub(r"\\*", s))


class RstToMarkdown(griffe.Extension):
    def on_object(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
