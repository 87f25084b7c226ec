"""What a statistic says about one of its results besides the numbers: a code and its values.

Statistics speak in numbers and codes; the words are a presentation's
(:func:`scoring.presentation.labels.note_text` writes each code in Swedish). A result that
carries notes holds a tuple of :class:`Note` (``rank_entries``' ``note`` column,
``ExaminerModel.notes``, ``reference_accuracy``'s ``note`` column).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Note"]


@dataclass(frozen=True)
class Note:
    """One note: ``code`` names what happened (``"not_adjusted"``), ``values`` what it concerns
    (``{"examiners": ("E03",)}``)."""

    code: str
    values: dict = field(default_factory=dict, compare=True, hash=False)

    def __str__(self) -> str:
        if not self.values:
            return self.code
        shown = ", ".join(f"{k}={'/'.join(map(str, v)) if isinstance(v, tuple) else v}"
                          for k, v in self.values.items())
        return f"{self.code}({shown})"
