"""Before/after check for a change that must not change what users see (issue 14).

Capture the reports of some years (every kind, blind jury packs too) and the JSON of
``scoring rank``, ``scoring examiners`` and ``scoring agreement`` from one checkout, then
compare two captures, ignoring only run times, timestamps and the checkout's own paths::

    python benchmarks/same_outputs.py capture /tmp/before --years 2023,2024   # on the old commit
    python benchmarks/same_outputs.py capture /tmp/after --years 2023,2024    # on the new one
    python benchmarks/same_outputs.py compare /tmp/before /tmp/after

``capture`` runs the checkout it lies in (``--root`` another). ``compare`` prints every file
that differs and exits 1 if any does. In executed notebooks the outputs are compared; code
cells whose source changed (a notebook importing from a moved module) are listed apart,
as they are hidden in the HTML report.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

CLI = ("rank", "examiners", "agreement")
_TIME = re.compile(r'<time datetime="[^"]*">[^<]*</time>')


def capture(out: Path, years: str, root: Path) -> None:
    """Write ``out/cli/<command>-<year>.json`` and ``out/reports/`` from the checkout at ``root``."""
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": str(root)}  # the checkout's package, in the kernels too
    (out / "cli").mkdir(parents=True, exist_ok=True)
    for year in years.split(","):
        for command in CLI:
            text = subprocess.run([py, "-m", "scoring", command, f"data/{year}/scores.csv", "--format", "json"],
                                  cwd=root, env=env, check=True, capture_output=True, text=True).stdout
            (out / "cli" / f"{command}-{year}.json").write_text(text, encoding="utf-8")
    for extra in ([], ["--kind", "jury", "--blind"]):
        kind = [] if extra else ["--kind", "all"]
        run = subprocess.run([py, "-m", "scoring", "report", "--years", years, *kind, *extra,
                              "--out", str(out / "reports")], cwd=root, env=env, capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"scoring report failed:\n{run.stderr[-3000:]}")
    (out / "root.txt").write_text(str(root.resolve()), encoding="utf-8")


def _normal_text(text: str, roots: list[str]) -> str:
    for i, r in enumerate(roots):
        text = text.replace(r, f"<ROOT{i}>")
    return _TIME.sub("<TIME>", text)


def _notebook(path: Path, roots: list[str]) -> tuple[list, list]:
    """(outputs per cell, sources per cell) of an executed notebook, without times and paths."""
    nb = json.loads(_normal_text(path.read_text(encoding="utf-8"), roots))
    outputs, sources = [], []
    for cell in nb["cells"]:
        sources.append("".join(cell.get("source", "")))
        outs = cell.get("outputs", [])
        for o in outs:
            o.pop("execution_count", None)
        outputs.append((cell["cell_type"], outs))
    return outputs, sources


def _manifest(path: Path, roots: list[str]) -> dict:
    m = json.loads(_normal_text(path.read_text(encoding="utf-8"), roots))
    for r in m.get("reports", {}).values():
        for k in ("made", "seconds"):
            r.pop(k, None)
    return m


def compare(a: Path, b: Path) -> int:
    roots = {a: [], b: []}
    for side in (a, b):
        root = (side / "root.txt").read_text(encoding="utf-8").strip() if (side / "root.txt").exists() else ""
        roots[side] = [x for x in (str((side / "reports").resolve()), root) if x]
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and p.name != "root.txt"}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file() and p.name != "root.txt"}
    differ, code_changed = [], []
    for rel in sorted(files_a ^ files_b):
        differ.append(f"only in {'before' if rel in files_a else 'after'}: {rel}")
    for rel in sorted(files_a & files_b):
        fa, fb = a / rel, b / rel
        if rel.suffix == ".ipynb":
            (oa, sa), (ob, sb) = _notebook(fa, roots[a]), _notebook(fb, roots[b])
            if oa != ob:
                differ.append(f"outputs differ: {rel}")
            elif sa != sb:
                code_changed.append(str(rel))
        elif rel.name == "manifest.json":
            if _manifest(fa, roots[a]) != _manifest(fb, roots[b]):
                differ.append(f"differs: {rel}")
        elif rel.suffix in (".html", ".json", ".csv", ".txt"):
            if _normal_text(fa.read_text(encoding="utf-8"), roots[a]) != _normal_text(
                    fb.read_text(encoding="utf-8"), roots[b]):
                differ.append(f"differs: {rel}")
        elif fa.read_bytes() != fb.read_bytes():
            differ.append(f"differs: {rel}")
    print(f"{len(files_a & files_b)} files in both; {len(differ)} differ; "
          f"{len(code_changed)} executed notebooks with the same outputs and changed code")
    for line in differ:
        print(" ", line)
    return 1 if differ else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("capture")
    c.add_argument("out", type=Path)
    c.add_argument("--years", default="2023,2024")
    c.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    d = sub.add_parser("compare")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    args = p.parse_args(argv)
    if args.command == "capture":
        capture(args.out, args.years, args.root)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
