"""The cheat sheet end to end: one quick build, its results.json, its HTML, and the page as a real
headless Chromium renders it."""
import json
import math
import os
import shutil
import struct
from html.parser import HTMLParser

import pytest

from chainrule.cheatsheet import CONCEPTS, build, main

import cheatsheet_browser


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The quick build, made once for the whole module."""
    out = tmp_path_factory.mktemp("cheatsheet")
    results = build(str(out), quick=True)
    return out, results


@pytest.fixture(scope="module")
def browser():
    path = cheatsheet_browser.find_or_install_browser()
    if path is None:
        pytest.skip("no Chromium found, and it could not be installed here")
    return path


class _Page(HTMLParser):
    """Collects what the checks need: sections, images, links, scripts, styles."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.urls, self.tags = [], [], [], []
        self.classes = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.urls.append(attrs[key])
        self.classes.extend((attrs.get("class") or "").split())
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def _numbers(value):
    """Every number inside a measured value (nested lists and dicts)."""
    if isinstance(value, bool):
        return [float(value)]
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    return []


def _reject_constant(name):
    raise ValueError(f"results.json contains {name}, which is not JSON")


def test_results_json_has_every_concept_with_numbers(built):
    out, returned = built
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f, parse_constant=_reject_constant)
    assert results == json.loads(json.dumps(returned))
    assert results["quick"] is True
    concepts = results["concepts"]
    assert list(concepts) == CONCEPTS
    assert [c["number"] for c in concepts.values()] == list(range(1, 12))
    for key, entry in concepts.items():
        numbers = [n for k, v in entry["measured"].items() if k != "ran" for n in _numbers(v)]
        assert len(numbers) >= 3, f"{key}: too few measured figures: {entry['measured']}"
        assert all(math.isfinite(n) for n in numbers), key
        for name in entry["images"]:
            assert (out / name).is_file(), f"{key}: {name} missing"


def test_results_record_what_the_page_claims(built):
    # A few of the figures the page's sentences rely on, checked against their meaning.
    c = built[1]["concepts"]
    assert c["sigmoid"]["measured"]["max_derivative"] == pytest.approx(0.25, abs=1e-6)
    assert c["tanh"]["measured"]["derivative_at_0"] == pytest.approx(1.0, abs=1e-9)
    assert c["relu"]["measured"]["derivative_values"] == [0.0, 1.0]
    assert c["backprop"]["measured"]["gradcheck_passed"] is True
    m = c["precision_recall"]["measured"]
    assert m["precision"] == pytest.approx(m["tp"] / (m["tp"] + m["fp"]))
    assert m["recall"] == pytest.approx(m["tp"] / (m["tp"] + m["fn"]))
    reg = c["l1_l2"]["measured"]
    assert max(reg["zero_fraction_l2"]) == 0 < max(reg["zero_fraction_l1_proximal"])
    ce = c["cross_entropy"]["measured"]
    assert ce["cross_entropy_times_n"] == pytest.approx(ce["negative_log_likelihood"])
    rec = c["lstm_gru"]["measured"]
    # Var(u1 + u2) = 1/6 for the sum of two U(0, 1): the baseline of always answering 1.
    assert rec["baseline_mse"] == pytest.approx(1 / 6, abs=0.02)
    for kind in ("RNN", "LSTM", "GRU"):
        means = [sum(v) / len(v) for v in rec["test_mse_per_seed"][kind]]
        assert rec[f"test_mse_{kind.lower()}"] == pytest.approx(means)


def test_page_is_self_contained(built):
    out, _ = built
    page = _Page()
    page.feed((out / "index.html").read_text(encoding="utf-8"))
    assert page.sections == CONCEPTS
    assert "script" not in page.tags and "link" not in page.tags
    assert page.classes.count("formula") == 11 and page.classes.count("myth") == 11
    assert "@import" not in page.style and "url(" not in page.style
    for url in page.urls:
        assert not url.startswith(("http:", "https:", "//", "data:")), url
        assert url.startswith("#") or (out / url).is_file(), url
    assert len(page.images) >= 11
    for img in page.images:
        assert img.get("alt"), img
        with open(out / img["src"], "rb") as f:
            head = f.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", head[16:24]) == (int(img["width"]), int(img["height"]))


def test_page_renders_in_chromium_without_errors(built, browser):
    out, _ = built
    page = _Page()
    page.feed((out / "index.html").read_text(encoding="utf-8"))
    report = cheatsheet_browser.probe(browser, str(out / "index.html"))
    assert report["errors"] == []
    assert report["console"] == []
    assert report["images"] == len(page.images)
    assert report["broken"] == []
    assert all(w > 0 for w in report["widths"])


def test_screenshot_of_the_page_top(built, browser, tmp_path):
    out, _ = built
    png = cheatsheet_browser.screenshot(browser, str(out / "index.html"), tmp_path / "top.png")
    with open(png, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24])[0] == 1200


def test_rebuild_gives_identical_figures_and_plots(built, tmp_path):
    # Seeded experiments: building two entries again reproduces their numbers and PNG bytes.
    out, results = built
    again = build(str(tmp_path), quick=True, only=["gradient", "softmax"])
    for key in ("gradient", "softmax"):
        assert again["concepts"][key]["measured"] == results["concepts"][key]["measured"]
        for name in again["concepts"][key]["images"]:
            assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_main_builds_and_rejects_unknown_entries(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "o"), "--quick", "--only", "backprop"]) == 0
    assert os.path.isfile(tmp_path / "o" / "index.html")
    assert "wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path / "p"), "--only", "nonsense"])
    assert exc.value.code == 2
    assert "unknown experiment" in capsys.readouterr().err


def test_screenshot_of_the_full_page(built, browser, tmp_path_factory):
    # The whole page as Chromium draws it, kept for review: in pytest's temporary folder, and
    # also in $CHEATSHEET_SCREENSHOT_DIR when set.
    out, _ = built
    png = tmp_path_factory.mktemp("screenshots") / "cheatsheet_full.png"
    path, height = cheatsheet_browser.full_page_screenshot(browser, str(out / "index.html"), png)
    print(f"full-page screenshot: {path}")
    with open(path, "rb") as f:
        head = f.read(24)
    assert struct.unpack(">II", head[16:24]) == (1200, height)
    assert height > 11 * 400  # eleven sections, each with at least one plot
    from matplotlib.image import imread
    pixels = imread(path)
    # Painted to the end: the last screenful still has content (text, plot lines), not blank.
    assert pixels[-1000:].std() > 0.01
    keep = os.environ.get("CHEATSHEET_SCREENSHOT_DIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(path, os.path.join(keep, "cheatsheet_full.png"))


def test_every_claim_of_the_page_is_borne_out(built):
    # build() refuses a false claim; results.json records each one checked, for every entry.
    concepts = built[1]["concepts"]
    claims = {key: c["claims"] for key, c in concepts.items()}
    assert sum(len(v) for v in claims.values()) >= 15, claims
    assert all(ok is True for v in claims.values() for ok in v.values()), claims


def test_rnn_gradient_prose_follows_the_measured_profile(built):
    # Recompute the shape from results.json alone and find it stated on the page.
    out, results = built
    m = results["concepts"]["lstm_gru"]["measured"]
    g = m["input_grad_per_step"]["RNN"]
    t_min = min(range(len(g)), key=g.__getitem__) + 1
    assert m["rnn_input_grad_min_step"] == t_min
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f"fades geometrically down to step {t_min}," in html
    assert ("rises again" in html) == (t_min > 1)
    assert m["rnn_input_grad_rise_before_min"] == pytest.approx(g[0] / g[t_min - 1])
    assert "fades" not in html or m["rnn_input_grad_factor_per_step"] < 1
    # One baseline, named: the expectation 1/6, and the test sets' own figure beside it.
    assert "1/6 ≈ 0.167 in expectation" in html
    assert "(baseline " not in html


def test_the_page_states_its_measured_build_time_and_machine(built):
    out, results = built
    assert 0 < results["cpu_seconds"] and 0 < results["seconds"]
    assert results["machine"] and "logical cores" in results["machine"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert f"the build took {results['seconds']:.1f} s" in html
    assert f"{results['cpu_seconds']:.1f} s of it on the processor" in html
    assert results["machine"] in html
    entries = results["concepts"]
    assert all(e["seconds"] > 0 for e in entries.values())
    # One run makes entries 3-5; each says so instead of splitting the time evenly.
    assert entries["relu"]["seconds_shared_with"] == ["Sigmoid", "Tanh"]
    assert entries["sigmoid"]["seconds"] == entries["tanh"]["seconds"]
