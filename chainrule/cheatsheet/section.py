"""Section: what one cheat-sheet entry shows (the idea, its formula, plots, measurements)."""
import math
from dataclasses import dataclass, field


@dataclass
class Section:
    """One entry of the page.

    Args:
        key: short identifier used in results.json and as the HTML anchor ("gradient").
        number: the entry's number on the sheet (1-11).
        title: heading ("Back propagation").
        idea: the idea stated accurately (trusted HTML, one or more <p>).
        formula: the formulas (trusted HTML/Unicode), shown in a formula box.
        images: (file name, alt text, caption) of each PNG written beside index.html.
        measured: name -> number (or list of numbers) recorded in results.json.
        findings: sentences (trusted HTML) saying what was measured, numbers filled in.
        misstatement: the common misstatement, quoted.
        correction: what the misstatement gets wrong (trusted HTML).
        dependencies: the chainrule parts the experiment ran on (for the reader and the report).
        claims: sentence -> bool: each trend or comparison the prose states in fixed words
            ("fades", "gives exact zeros", "trains faster"), with whether this build's
            measurements bear it out. build() refuses to write a page with a false claim.
    """

    key: str
    number: int
    title: str
    idea: str
    formula: str
    images: list = field(default_factory=list)
    measured: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)
    misstatement: str = ""
    correction: str = ""
    dependencies: list = field(default_factory=list)
    claims: dict = field(default_factory=dict)
    seconds: float = 0.0  # measured by build(): the run that made this entry
    timed_with: list = field(default_factory=list)  # titles of the entries that run made

    def result(self):
        """The JSON-ready entry of results.json (numbers checked finite)."""
        return {"number": self.number, "title": self.title,
                "images": [name for name, _, _ in self.images],
                "uses": list(self.dependencies), "seconds": round(self.seconds, 3),
                "seconds_shared_with": [t for t in self.timed_with if t != self.title],
                "claims": {text: bool(ok) for text, ok in self.claims.items()},
                "measured": {k: _plain(v, f"{self.key}.{k}") for k, v in self.measured.items()}}


class ClaimError(AssertionError):
    """A sentence of the page that this build's measurements contradict."""


def false_claims(sections):
    """'key: sentence' for every claim of ``sections`` its measurements do not bear out."""
    return [f"{s.key}: {text}" for s in sections for text, ok in s.claims.items() if not ok]


def _plain(value, where):
    # results.json must be strict JSON: a NaN or inf would make the file unreadable elsewhere.
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, where) for k, v in value.items()}
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"cheatsheet: measured value {where} is {type(value).__name__}, "
                        "expected a number") from None
    if not math.isfinite(number):
        raise ValueError(f"cheatsheet: measured value {where} is {number}, expected finite")
    return int(value) if isinstance(value, int) or (hasattr(value, "dtype") and
                                                    value.dtype.kind in "iu") else number


def fmt(x, digits=3):
    """A number for prose: 3 significant digits, scientific notation when tiny or huge."""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e6:
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        power = str(int(exponent)).replace("-", "−")
        return f"{mantissa}&thinsp;×&thinsp;10<sup>{power}</sup>"
    if abs(x) >= 10 ** digits:  # "12,300", not "1.23e+04"
        return f"{float(f'{x:.{digits}g}'):,.0f}"
    return f"{x:.{digits}g}"


@dataclass
class Context:
    """What every experiment gets: where to write its PNGs, the build mode and the seed."""

    out_dir: str
    quick: bool = False
    seed: int = 0

    def generator(self, offset=0):
        """A chainrule Generator seeded from the build seed (one stream per use)."""
        from ..random import Generator
        return Generator(self.seed * 1000 + offset)

    def rng(self, offset=0):
        """The NumPy generator behind ``generator(offset)``, for data and initial weights."""
        return self.generator(offset).np

    def save(self, fig, name):
        from .plots import save
        return save(fig, self.out_dir, name)
