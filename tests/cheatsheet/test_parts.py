"""The cheat sheet's pieces: number formatting, results checking, the graph walk, the page."""
import math

import numpy as np
import pytest

import chainrule
from chainrule.cheatsheet import build
from chainrule.cheatsheet.backprop import graph_of
from chainrule.cheatsheet.gradient import descend, gradient
from chainrule.cheatsheet.render import page
from chainrule.cheatsheet.section import Section, fmt


def test_fmt_uses_plain_digits_in_the_middle_and_powers_of_ten_outside():
    assert fmt(0.25) == "0.25"
    assert fmt(1234.5) == "1,230"
    assert fmt(-0.5) == "-0.5"
    assert fmt(0) == "0"
    assert fmt(3.2e-7) == "3.20&thinsp;×&thinsp;10<sup>−7</sup>"
    assert fmt(2.5e8) == "2.50&thinsp;×&thinsp;10<sup>8</sup>"


def test_results_must_be_finite_numbers():
    ok = Section("k", 1, "T", "", "", measured={"a": np.float32(0.5), "b": [1, 2],
                                                   "c": {"x": np.int64(3)}, "d": True})
    assert ok.result()["measured"] == {"a": 0.5, "b": [1, 2], "c": {"x": 3}, "d": True}
    assert isinstance(ok.result()["measured"]["c"]["x"], int)
    with pytest.raises(ValueError, match="k.a is nan"):
        Section("k", 1, "T", "", "", measured={"a": math.nan}).result()
    with pytest.raises(TypeError, match="k.a is object"):
        Section("k", 1, "T", "", "", measured={"a": object()}).result()


def test_graph_walk_finds_every_recorded_op_in_topological_order():
    w = chainrule.tensor(np.float64(0.8), requires_grad=True)
    x = chainrule.tensor(np.float64(1.5), requires_grad=True)
    out = ((w * x + 1.0).sigmoid() - 2.0) ** 2
    nodes, edges, tensors = graph_of(out, {})
    assert [type(n).__name__ for n in nodes] == ["Mul", "Add", "Sigmoid", "Sub", "PowScalar"]
    leaves = [src for src, _, _ in edges if isinstance(src, chainrule.Tensor)]
    assert {id(t) for t in leaves} == {id(w), id(x)}
    assert len(tensors) == 1 + 2 + 4  # the output, two leaves, four intermediate results


def test_gradient_helper_matches_the_quadratic_and_descent_follows_it():
    f, g = gradient(np.array([0.0, 0.0]))
    # f(w) = 1/2 (w - w*)^T A (w - w*): at w = 0 the gradient is -A w*.
    from chainrule.cheatsheet.gradient import _A, _W_STAR
    assert f == pytest.approx(0.5 * _W_STAR @ _A @ _W_STAR)
    np.testing.assert_allclose(g, -_A @ _W_STAR, rtol=1e-12)
    path, losses = descend(0.1, 5)
    assert path.shape == (6, 2) and np.all(np.diff(losses) < 0)


def test_page_escapes_titles_and_sizes_images(tmp_path):
    from chainrule.cheatsheet import plots
    with plots.style():
        fig, (ax,) = plots.figure(1, width=2, height=1)
        ax.plot([0, 1])
        plots.save(fig, str(tmp_path), "p.png")
    s = Section("k", 1, "A <b> & C", "<p>idea</p>", "<div>f</div>",
                images=[("p.png", "alt \"text\"", "cap")], findings=["f1"],
                misstatement="x < y", correction="fix", dependencies=["op"])
    html = page([s], {"version": "0", "quick": True, "seed": 0, "seconds": 1.0}, str(tmp_path))
    assert "A &lt;b&gt; &amp; C" in html and "x &lt; y" in html
    assert 'alt="alt &quot;text&quot;"' in html
    assert f'width="{2 * plots.DPI}" height="{plots.DPI}"' in html


def test_build_rejects_unknown_experiments(tmp_path):
    with pytest.raises(ValueError, match="unknown experiment"):
        build(str(tmp_path), only=["gradient", "nope"])


def test_build_leaves_the_default_generator_as_it_found_it(tmp_path):
    chainrule.manual_seed(123)
    expected = chainrule.randn(4).numpy()
    chainrule.manual_seed(123)
    build(str(tmp_path), quick=True, only=["gradient"])
    np.testing.assert_array_equal(chainrule.randn(4).numpy(), expected)


def _figure_with(draw):
    from chainrule.cheatsheet import plots
    with plots.style():
        fig, (ax,) = plots.figure(1, width=4, height=3)
        draw(ax, plots)
        return fig, ax, plots.layout_problems(fig)


def test_a_legend_over_the_data_moves_to_a_clear_spot():
    def draw(ax, plots):
        ax.plot([0, 1], [1, 1], label="top line")  # runs right under an upper legend
        ax.plot([0, 1], [0, 0.3], label="low line")
        ax.set_ylim(-0.1, 1.1)
        ax.legend(loc="upper right")

    fig, ax, problems = _figure_with(draw)
    assert problems == []
    box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    top = ax.transData.transform([[0.5, 1.0]])[0]
    assert not box.y0 <= top[1] <= box.y1  # no longer on the top line


def test_a_legend_with_no_clear_spot_and_cut_curves_are_reported():
    def crowded(ax, plots):
        for level in np.linspace(0, 1, 40):
            ax.plot([0, 1], [level, level], label=f"{level:.2f}" if level < 0.2 else None)
        ax.legend()

    assert any("no spot" in p for p in _figure_with(crowded)[2])

    def cut(ax, plots):
        ax.plot([0, 1, 2], [0, 5, 1])
        ax.set_ylim(0, 2)

    assert any("outside the axes" in p for p in _figure_with(cut)[2])

    def allowed(ax, plots):
        cut(ax, plots)
        plots.allow_clipping(ax, "the peak is off the chart on purpose")

    assert _figure_with(allowed)[2] == []


def test_build_refuses_a_page_whose_claims_its_measurements_contradict(tmp_path, monkeypatch):
    import chainrule.cheatsheet.gradient as gradient_entry
    from chainrule.cheatsheet import ClaimError
    real = gradient_entry.run

    def contradicted(ctx):
        sections = real(ctx)
        sections[0].claims["the loss rises"] = False
        return sections

    monkeypatch.setattr(gradient_entry, "run", contradicted)
    with pytest.raises(ClaimError, match="gradient: the loss rises"):
        build(str(tmp_path), quick=True, only=["gradient"])
    assert not (tmp_path / "index.html").exists()


def test_gradient_shape_reads_a_v_shaped_profile():
    from chainrule.cheatsheet.recurrent import gradient_shape
    # Rises 10x per step back from step 4 to step 1, fades 3x per step from step 10 to 4.
    t = np.arange(1, 11)
    g = np.where(t >= 4, 3.0 ** (t - 10), 3.0 ** -6 * 10.0 ** (4 - t))
    shape = gradient_shape(g)
    assert shape["t_min"] == 4
    assert shape["factor_per_step"] == pytest.approx(1 / 3)
    assert shape["max_stray"] == pytest.approx(1.0)
    assert shape["rise_to_first"] == pytest.approx(1000.0)
    cliff = 3.0 ** (t - 10) * np.where(t < 7, 1e-3, 1.0)  # a 1000x drop before step 7
    assert gradient_shape(cliff)["t_min"] == 1 and gradient_shape(cliff)["max_stray"] > 10
    flat = gradient_shape(np.array([0.0, 1e-3, 1e-2]))  # an underflowed 0 stays finite
    assert flat["t_min"] == 1 and np.isfinite(flat["factor_per_step"])
