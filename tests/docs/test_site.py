"""The documentation site: `mkdocs build --strict` passes offline, and the API reference
names every public name of every public module."""
import importlib
import inspect
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"

# A public name is covered by a `::: path.name` directive whose object is the same, by a
# `::: module` directive (all its members), for a submodule by directives under it, or, for
# what griffe cannot see statically (generated functions, dtype objects; never a class), by
# appearing in backticks in a table of the API pages.
PUBLIC_MODULES = [
    "chainrule", "chainrule.autograd", "chainrule.nn", "chainrule.nn.functional",
    "chainrule.nn.init", "chainrule.nn.utils", "chainrule.nn.parallel", "chainrule.optim",
    "chainrule.optim.lr_scheduler", "chainrule.utils.data", "chainrule.train",
    "chainrule.metrics", "chainrule.io", "chainrule.amp", "chainrule.cuda",
    "chainrule.accelerator", "chainrule.backends", "chainrule.distributed", "chainrule.onnx",
    "chainrule.utils", "chainrule.utils.tensorboard", "chainrule.utils.checkpoint",
    "chainrule.utils.hooks",
]


def _need_mkdocs():
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("CHAINRULE_REQUIRE_TORCH") == "1":
            pytest.fail("CHAINRULE_REQUIRE_TORCH=1 but mkdocs is not installed "
                        "(pip install -e '.[test]' installs the docs packages)")
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")


def test_mkdocs_build_strict_offline(tmp_path):
    _need_mkdocs()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               # any attempt to reach the network fails fast: the build must not need it
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
         "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # nothing the page loads may come from elsewhere: no web fonts, no CDN scripts
        remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:|//)[^"]*"', html)
        assert not remote, f"{page.relative_to(site)} loads {remote}"
        assert "fonts.googleapis" not in html, page
    linear = (site / "api" / "nn" / "index.html").read_text(encoding="utf-8")
    assert 'id="chainrule.nn.Linear"' in linear and "in_features" in linear
    # the docstrings' reStructuredText math is rendered (docs/_ext/griffe_rst.py), not shown raw
    optim = (site / "api" / "optim" / "index.html").read_text(encoding="utf-8")
    assert 'id="chainrule.optim.Adam"' in optim
    assert ".. math::" not in optim and ":math:" not in optim


def _documented():
    """(directive targets, backticked words) over the API pages."""
    targets, ticked = set(), set()
    for page in API.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        targets.update(re.findall(r"^::: ([\w.]+)\s*$", text, re.M))
        for span in re.findall(r"`([^`]+)`", text):
            ticked.update(re.findall(r"[\w.]+", span))
    return targets, ticked


def _resolve(path):
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_api_reference_names_every_public_name(module_name):
    module = importlib.import_module(module_name)
    targets, ticked = _documented()
    whole_modules = {t for t in targets if t == module_name}
    by_name = {}
    for t in targets:
        by_name.setdefault(t.rsplit(".", 1)[-1], []).append(t)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if whole_modules or any(_resolve(t) is obj for t in by_name.get(name, [])):
            continue
        if inspect.ismodule(obj):   # a submodule: documented on its own page
            if any(t == obj.__name__ or t.startswith(obj.__name__ + ".") for t in targets):
                continue
        elif not inspect.isclass(obj) and (name in ticked or f"cr.{name}" in ticked):
            continue                # a generated function or a dtype, in a page's table
        missing.append(name)
    assert not missing, (f"{module_name}: no entry in docs/api/*.md for {missing}; add a "
                         f"'::: {module_name}.NAME' line to the right page")
