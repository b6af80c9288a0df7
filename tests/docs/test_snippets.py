"""Every ```python block of the README and the guides runs, so the snippets cannot rot.

Each block runs on its own, in a fresh temporary folder (what it writes lands there), in a
subprocess that imports this checkout's chainrule, with a time limit. A block that needs
something not available here opts out with a first line `# docs: no-run (why)`.
"""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "README.md", ROOT / "docs" / "index.md",
           *sorted((ROOT / "docs" / "guides").glob("*.md"))]
OPT_OUT = "# docs: no-run"
TIMEOUT_S = 120


def _blocks():
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
            line = text.count("\n", 0, match.start()) + 1
            yield pytest.param(match.group(1), id=f"{path.relative_to(ROOT)}:{line}")


BLOCKS = list(_blocks())


def test_the_snippets_are_found():
    assert len(BLOCKS) >= 10
    readme = [b for b in BLOCKS if b.id.startswith("README.md")]
    assert len(readme) >= 2


@pytest.mark.parametrize("code", BLOCKS)
def test_snippet_runs(code, tmp_path):
    if code.startswith(OPT_OUT):
        pytest.skip(code.splitlines()[0])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]), MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, (f"the snippet failed:\n{code}\n--- stdout\n"
                                    f"{result.stdout[-2000:]}\n--- stderr\n"
                                    f"{result.stderr[-4000:]}")
