"""Before/after check for a change that must not change what users see (issue 14).

Capture the reports of some years (every kind, blind jury packs too) and the JSON of
``scoring rank``, ``scoring examiners`` and ``scoring agreement`` from one checkout, then
compare two captures, ignoring only run times, timestamps and the checkout's own paths::

    python benchmarks/same_outputs.py capture /tmp/before --years 2023,2024   # on the old commit
    python benchmarks/same_outputs.py capture /tmp/after --years 2023,2024    # on the new one
    python benchmarks/same_outputs.py compare /tmp/before /tmp/after

``capture`` runs the checkout it lies in (``--root`` another). ``compare`` prints every file
that differs and exits 1 if any does. In executed notebooks the outputs are compared; code
cells whose source changed (a notebook importing from a moved module) are counted apart, as
they are hidden in the HTML report. ``fingerprint`` writes a capture's per-file SHA-256 as
compared; ``compare`` takes such a file in place of a folder. The layout change of issue 14
was checked against ``same_outputs/before-15767ac.json``: the capture of commit 15767ac.
"""

from __future__ import annotations

import argparse
import hashlib
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


def _roots(side: Path) -> list[str]:
    root = (side / "root.txt").read_text(encoding="utf-8").strip() if (side / "root.txt").exists() else ""
    return [x for x in (str((side / "reports").resolve()), root) if x]


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def fingerprints(side: Path) -> dict[str, dict[str, str]]:
    """``{file: {"content": sha256, "code": sha256}}`` of a capture, each file as compared: an
    executed notebook by its outputs ("code" its cells' source), the manifest without times,
    text without timestamps and the capture's own paths, anything else by its bytes."""
    roots = _roots(side)
    out = {}
    for f in sorted(p for p in side.rglob("*") if p.is_file() and p.name not in ("root.txt", "fingerprints.json")
                    and ".provenance" not in p.parts):  # the runner's own records (times in them)
        rel = f.relative_to(side).as_posix()
        if f.suffix == ".ipynb":
            outputs, sources = _notebook(f, roots)
            out[rel] = {"content": _digest(outputs), "code": _digest(sources)}
        elif f.name == "manifest.json":
            out[rel] = {"content": _digest(_manifest(f, roots))}
        elif f.suffix in (".html", ".json", ".csv", ".txt"):
            out[rel] = {"content": _digest(_normal_text(f.read_text(encoding="utf-8"), roots))}
        else:
            out[rel] = {"content": hashlib.sha256(f.read_bytes()).hexdigest()}
    return out


def _load(side: Path) -> dict[str, dict[str, str]]:
    """A capture folder, or a fingerprints file written by ``fingerprint``."""
    return json.loads(side.read_text(encoding="utf-8")) if side.is_file() else fingerprints(side)


def compare(a: Path, b: Path) -> int:
    fa, fb = _load(a), _load(b)
    differ = [f"only in {'before' if rel in fa else 'after'}: {rel}" for rel in sorted(fa.keys() ^ fb.keys())]
    both = sorted(fa.keys() & fb.keys())
    differ += [f"differs: {rel}" for rel in both if fa[rel]["content"] != fb[rel]["content"]]
    code_changed = [rel for rel in both if fa[rel]["content"] == fb[rel]["content"]
                    and fa[rel].get("code") != fb[rel].get("code")]
    print(f"{len(both)} files in both; {len(differ)} differ; "
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
    d.add_argument("before", type=Path, help="a capture folder or a fingerprints file")
    d.add_argument("after", type=Path, help="a capture folder or a fingerprints file")
    f = sub.add_parser("fingerprint")
    f.add_argument("capture", type=Path)
    f.add_argument("out", type=Path, help="the fingerprints file to write (JSON)")
    args = p.parse_args(argv)
    if args.command == "capture":
        capture(args.out, args.years, args.root)
        return 0
    if args.command == "fingerprint":
        args.out.write_text(json.dumps(fingerprints(args.capture), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
