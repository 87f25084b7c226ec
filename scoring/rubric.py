"""The rubric: criteria, weights, questions (with their Swedish wording where known), the score
scale with its named bands, and the competition classes.

Read from ``data/rubric.toml``; a year may override top-level tables in
``data/<year>/rubric.toml``. A broken rubric is refused with a clear message.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .paths import DATA_DIR, RUBRIC_PATH
from .problems import InputError, Problem, display_path, os_reason

STAGES = ("individual", "consensus", "site_visit", "reference")


@dataclass(frozen=True)
class Criterion:
    """One criterion: its id, labels, weight and question numbers.

    ``question_texts`` holds the Swedish wording of those of its questions whose wording is known
    (``[criteria.question_texts]`` in ``rubric.toml``), as ``(number, text)`` pairs in question
    order; a question without one is named by its number only.
    """

    id: str
    label_sv: str
    label_en: str
    weight: float
    questions: tuple[int, ...]
    question_texts: tuple[tuple[int, str], ...] = ()

    def question_text(self, question: int) -> str | None:
        """The question's Swedish wording, or None when the rubric does not give it."""
        return dict(self.question_texts).get(int(question))


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    label_sv: str
    label_en: str


@dataclass(frozen=True)
class Scale:
    min: float
    max: float
    step: float
    bands: tuple[Band, ...] = ()

    @property
    def values(self) -> np.ndarray:
        """Every score the scale allows, ascending (the declared categories), each as its decimal reads
        (``0.3``, not ``0.1 * 3``: a score read from a file is then one of them, as it is written)."""
        n = int(round((self.max - self.min) / self.step))
        return np.round(self.min + self.step * np.arange(n + 1), 9)

    def on_scale(self, x: float) -> bool:
        """True when ``x`` lies within the scale and on one of its steps."""
        if not (self.min - 1e-9 <= x <= self.max + 1e-9):
            return False
        k = (x - self.min) / self.step
        return abs(k - round(k)) < 1e-6

    def band(self, x: float) -> Band | None:
        """The named band holding ``x`` (None when there are no bands or none holds it)."""
        for b in self.bands:
            if b.low - 1e-9 <= x <= b.high + 1e-9:
                return b
        return None

    def lower_band(self, x: float) -> Band | None:
        """The named band holding ``x``; for a score between two bands (a mean of question
        scores, 25 between 0–20 and 30–40) the lower of them. None without bands, for a missing
        score or one below the lowest band."""
        try:
            x = float(x)
        except (TypeError, ValueError):  # None, pd.NA
            return None
        if not math.isfinite(x):
            return None
        held = self.band(x)
        if held is not None:
            return held
        below = [b for b in self.bands if b.high < x]
        return max(below, key=lambda b: b.high) if below else None


@dataclass(frozen=True)
class CompetitionClass:
    id: str
    label_sv: str


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    scale: Scale
    classes: tuple[CompetitionClass, ...]
    spread_threshold: float
    source: str = ""

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    @property
    def weights(self) -> dict[str, float]:
        return {c.id: c.weight for c in self.criteria}

    @property
    def class_ids(self) -> list[str]:
        return [c.id for c in self.classes]

    @property
    def question_criterion(self) -> dict[int, str]:
        """Question number -> the criterion it rolls up to."""
        return {q: c.id for c in self.criteria for q in c.questions}

    def criterion(self, key: str) -> Criterion | None:
        """The criterion named by its id or Swedish label (case and spacing ignored)."""
        k = " ".join(str(key).split()).casefold()
        for c in self.criteria:
            if k in (c.id.casefold(), " ".join(c.label_sv.split()).casefold()):
                return c
        return None

    def question_text(self, question: int) -> str | None:
        """The Swedish wording of question ``question`` (None when the rubric does not give it)."""
        for c in self.criteria:
            if int(question) in c.questions:
                return c.question_text(question)
        return None

    def criterion_label(self, criterion_id: str, lang: str = "sv") -> str:
        c = self.criterion(criterion_id)
        if c is None:
            return criterion_id
        return c.label_sv if lang == "sv" else c.label_en

    def class_label(self, class_id: str) -> str:
        for c in self.classes:
            if c.id == class_id:
                return c.label_sv
        return class_id


def load_rubric(
    path: str | Path | None = None,
    year: int | str | None = None,
    data_dir: str | Path | None = None,
) -> Rubric:
    """Load and check the rubric.

    Parameters
    ----------
    path : the rubric file; default ``<data_dir>/rubric.toml`` (falling back to the
        project's ``data/rubric.toml``).
    year, data_dir : when given, top-level tables in ``<data_dir>/<year>/rubric.toml``
        replace those of the base rubric.

    Raises
    ------
    InputError
        naming the file and what is wrong (weights not summing to 1, a question in two
        criteria, a step that does not divide the scale, ...).
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    if path is None:
        path = data_dir / "rubric.toml"
        if not path.exists():
            path = RUBRIC_PATH
    path = Path(path)
    raw = _read_toml(path)
    sources = [display_path(path)]
    if year is not None:
        override = data_dir / str(year) / "rubric.toml"
        if override.exists():
            raw = {**raw, **_read_toml(override)}
            sources.append(display_path(override))
    source = " + ".join(sources)
    try:
        return _build(raw, source)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # e.g. step = "ten"
        raise InputError([Problem(source, None, None, f"malformed value: {e}")]) from None


def _read_toml(path: Path) -> dict:
    """The TOML file's tables; InputError naming the file (and the line and column of a byte that is
    not UTF-8) when it cannot be read or is not TOML."""
    where = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(where, None, None, "rubric file not found")]) from None
    except OSError as e:
        raise InputError([Problem(where, None, None, os_reason(e))]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        start = data.rfind(b"\n", 0, e.start) + 1
        line, column = data.count(b"\n", 0, e.start) + 1, len(data[start:e.start].decode("utf-8")) + 1
        why = f"byte 0x{data[e.start]:02X} is not UTF-8: save the file as UTF-8 (or retype that character)"
        raise InputError([Problem(where, line, f"column {column}", why)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError([Problem(where, None, None, f"not valid TOML: {e}")]) from None


def _build(raw: dict, source: str) -> Rubric:
    problems: list[str] = []

    def need(table: dict, key: str, what: str, number: bool = False):
        """``table[key]`` (a float with ``number``); None, with a problem naming ``what`` and ``key``, when it
        is missing or not a number."""
        if key not in table:
            problems.append(f"{what}: missing '{key}'")
            return None
        if not number:
            return table[key]
        try:
            x = None if isinstance(table[key], bool) else float(table[key])
        except (TypeError, ValueError):
            x = None
        if x is None or not math.isfinite(x):
            problems.append(f"{what}: '{key}' must be a number, not {table[key]!r}")
            return None
        return x

    # scale
    s = raw.get("scale")
    scale = None
    if not isinstance(s, dict):
        problems.append("missing [scale] table")
    else:
        lo, hi, step = (need(s, k, "[scale]", number=True) for k in ("min", "max", "step"))
        if None not in (lo, hi, step):
            if step <= 0:
                problems.append(f"[scale]: step must be positive, got {step:g}")
            elif hi <= lo:
                problems.append(f"[scale]: max ({hi:g}) must be above min ({lo:g})")
            else:
                k = (hi - lo) / step
                if abs(k - round(k)) > 1e-9:
                    problems.append(
                        f"[scale]: step {step:g} does not divide the range {lo:g}-{hi:g}"
                    )
            bands = []
            for i, b in enumerate(s.get("bands", []), 1):
                bl, bh = need(b, "min", f"band {i}", number=True), need(b, "max", f"band {i}", number=True)
                if bl is None or bh is None:
                    continue
                if not (lo <= bl <= bh <= hi):
                    problems.append(f"band {i}: {bl:g}-{bh:g} lies outside the scale {lo:g}-{hi:g}")
                bands.append(Band(bl, bh, str(b.get("sv", "")), str(b.get("en", b.get("sv", "")))))
            scale = Scale(lo, hi, step, tuple(bands))

    # criteria
    criteria = []
    seen_q: dict[int, str] = {}
    for i, c in enumerate(raw.get("criteria", []), 1):
        cid = need(c, "id", f"criterion {i}")
        weight = need(c, "weight", f"criterion {cid or i}", number=True)
        if cid is None or weight is None:
            continue
        if any(x.id == cid for x in criteria):
            problems.append(f"criterion '{cid}' is defined twice")
        if weight < 0:
            problems.append(f"criterion '{cid}': weight must not be negative")
        questions = tuple(int(q) for q in c.get("questions", []))
        for q in questions:
            if q in seen_q:
                problems.append(f"question {q} is in two criteria: '{seen_q[q]}' and '{cid}'")
            seen_q[q] = cid
        texts = _question_texts(c.get("question_texts"), questions, f"criterion '{cid}'", problems)
        criteria.append(
            Criterion(str(cid), str(c.get("sv", cid)), str(c.get("en", cid)), weight, questions, texts)
        )
    if not criteria:
        problems.append("no [[criteria]] defined")
    else:
        total = math.fsum(c.weight for c in criteria)
        if abs(total - 1) > 1e-6:
            problems.append(f"criterion weights sum to {total:.6g}, not 1")

    classes = tuple(
        CompetitionClass(str(c["id"]), str(c.get("sv", c["id"])))
        for c in raw.get("classes", [])
        if "id" in c
    )
    if not classes:
        problems.append("no [[classes]] defined")

    threshold = need(raw, "spread_threshold", "the rubric", number=True)
    if threshold is not None and threshold < 0:
        problems.append("'spread_threshold' must not be negative")

    if problems:
        raise InputError([Problem(source, None, None, p) for p in problems])
    return Rubric(tuple(criteria), scale, classes, threshold, source)


def _question_texts(raw, questions: tuple[int, ...], what: str, problems: list[str]) -> tuple[tuple[int, str], ...]:
    """A criterion's ``question_texts`` table (question number -> Swedish wording) as
    ``(number, text)`` pairs in question order; each thing wrong appended to ``problems``."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.append(f"{what}: 'question_texts' must be a table of question number = \"text\"")
        return ()
    texts: dict[int, str] = {}
    for key, text in raw.items():
        if not str(key).strip().isdigit():
            problems.append(f"{what}: question_texts key '{key}' is not a question number")
            continue
        q = int(key)
        if q not in questions:
            problems.append(f"{what}: question_texts has question {q}, which is not one of its questions "
                            f"({', '.join(map(str, questions)) or 'none'})")
        elif not isinstance(text, str) or not " ".join(text.split()):
            problems.append(f"{what}: question {q}'s text must be a non-empty string")
        else:
            texts[q] = " ".join(text.split())
    return tuple(sorted(texts.items()))
