"""A good report an earlier run published, recorded as runs record them (tests of later runs
that must leave it alone: the output folder is the runner's own, scoring/reports/manifest.py)."""

from __future__ import annotations

import time
from pathlib import Path

from scoring.reports import manifest


def earlier_report(out: Path, rel: str, text: str, *, kind: str = "calibration", name: str | None = None,
                   notebook: bool = True) -> Path:
    """Write ``out/rel`` (and its notebook) and record it in ``out``'s manifest; returns the HTML."""
    html = out / rel
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(text, encoding="utf-8")
    ipynb = html.with_suffix(".ipynb")
    if notebook:
        ipynb.write_text("{}", encoding="utf-8")
    year = int(rel.split("/")[0])
    manifest.record(out, out.parent, [manifest.Made(html=html, ipynb=ipynb, year=year, kind=kind, name=name,
                                                    parameters={"year": year}, seconds=1.0,
                                                    finished=time.time(), inputs=())])
    return html
