"""The privacy guard at national size (issue 22): the blind jury pack of a year of 6,000 units.

The national demo calls its units "Enhet 3498 (fiktiv)": 6,000 names whose first word is the
same generic word and whose other word is a number, the number also in the entry code
2030-3498 that a blind pack shows. Before, the guard made a matcher for every set of names a
piece of text could start (one per table cell, 3.6 s each) and took every number of a page
(years, counts, codes, CSS sizes) for a name: one pack did not finish in 20 minutes, and would
have been refused. Here a page like such a pack, every code in a table cell and in a notebook
output of its own, is checked in seconds, is clean, and is refused as soon as it writes a name.
"""

from __future__ import annotations

import time

import nbformat
import pytest

from scoring.reports import privacy
from scoring.reports.privacy import Forbidden, PrivacyError, check, scan

N_UNITS = 6000
DISTRICTS = ["Hägersten-Älvsjö", "Norrmalm", "Kungsholmen", "Spånga–Tensta", "Rinkeby-Kista", "Skarpnäck",
             "Enskede-Årsta-Vantör", "Farsta", "Södermalm", "Östermalm", "Bromma", "Hässelby-Vällingby",
             "Skärholmen"]
CODES = [f"2030-{i:04d}" for i in range(2, N_UNITS + 1, 5)]  # one class: 1,200 entries


@pytest.fixture(scope="module")
def national() -> Forbidden:
    """What a blind pack of the national year must not name: every unit's name and every district
    (as ``scoring.kinds.jury`` builds it from ``entries.csv``)."""
    return Forbidden(names=[*(f"Enhet {i} (fiktiv)" for i in range(1, N_UNITS + 1)), *DISTRICTS])


def _page(extra: str = "") -> bytes:
    """A blind pack's page: the year and counts in the prose, generic words of the names
    ("enheten", "enheterna") in it, CSS sizes, and a table of 1,200 entry codes with their numbers."""
    rows = "".join(f"<tr><td>{k + 1}</td><td>{code}</td><td>{60 + k % 40},{k % 10}</td><td>{k % 7}–{k % 7 + 3}</td>"
                   f"<td>{k % 97} %</td></tr>" for k, code in enumerate(CODES))
    return (f'<!DOCTYPE html><html lang="sv"><head><title>Jurypaket, Förskola 2030, anonymiserat</title>'
            f"<style>main {{ max-width: 1024px }} @media (min-width: 3498px) {{ p {{ margin: 0 }} }}</style></head>"
            f"<body><h1>Jurypaket, Förskola 2030, anonymiserat</h1><p>1200 bidrag, 4 800 bedömningar 2030. "
            f"Enheten med flest poäng och enheterna närmast den står först; varje enhet har sin kod.</p>{extra}"
            f"<table><tr><th>Placering</th><th>Bidrag</th><th>Poäng</th><th>Möjlig placering</th>"
            f"<th>Chans att vinna</th></tr>{rows}</table></body></html>").encode()


def _notebook(extra: str = "") -> bytes:
    """Its notebook: a cell per entry, each output a piece of text of its own (as the guard walks
    a notebook), and a cell with the same prose."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"year": 2030, "class_id": "forskola", "blind": True}}
    cells = []
    for k, code in enumerate(CODES):
        cell = nbformat.v4.new_code_cell(f"show({code!r})")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{code}: {60 + k % 40},{k % 10} poäng\n")]
        cells.append(cell)
    cells.append(nbformat.v4.new_markdown_cell(f"Enheten med flest poäng 2030 står först. {extra}"))
    nb.cells = cells
    return nbformat.writes(nb).encode()


def test_a_blind_pack_of_the_national_year_is_clean_and_checked_in_seconds(national, tmp_path, monkeypatch):
    """No false alarm (the codes, the year, the counts and the CSS sizes are numbers, not names),
    one matcher for the whole check, and a few seconds of CPU instead of minutes."""
    built = []

    class Counted(privacy.Matcher):
        def __init__(self, *args, **kwargs):
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(privacy, "Matcher", Counted)
    monkeypatch.setattr(privacy, "_MATCHERS", {})  # no matcher of an earlier test
    forbidden = national | Forbidden()  # a new Forbidden: its matcher is made in this test
    html, ipynb = tmp_path / "jury-forskola-blind.html", tmp_path / "jury-forskola-blind.ipynb"
    html.write_bytes(_page())
    ipynb.write_bytes(_notebook())
    start = time.process_time()
    findings = scan([html, ipynb], forbidden)
    cpu = time.process_time() - start
    assert findings == [], findings[:5]
    assert len(built) == 1
    assert cpu < 20, f"{cpu:.1f} s of CPU"  # about 1 s; before: one matcher per piece, 3.6 s each


@pytest.mark.parametrize("name", ["Enhet 3498", "ENHET 3498:s", "enhet 3498 (fiktiv)", "Enhet\u00a03498",
                                  "Spånga", "Tensta"])
def test_a_blind_pack_that_names_a_unit_or_a_district_is_refused(national, tmp_path, name):
    """The entry code 2030-3498 is allowed; the unit's name beside it is not, in the page or its notebook."""
    html, ipynb = tmp_path / "jury-forskola-blind.html", tmp_path / "jury-forskola-blind.ipynb"
    html.write_bytes(_page(f"<p>2030-3498 ({name}) leder.</p>"))
    ipynb.write_bytes(_notebook())
    with pytest.raises(PrivacyError) as refused:
        check([html, ipynb], national)
    expected = "Spånga–Tensta" if name in ("Spånga", "Tensta") else "Enhet 3498 (fiktiv)"
    assert {f.token for f in refused.value.findings} == {expected}
    assert {f.file for f in refused.value.findings} == {str(html)}
    html.write_bytes(_page())
    ipynb.write_bytes(_notebook(f"2030-3498 ({name}) leder."))
    assert {(f.file, f.token) for f in scan([html, ipynb], national)} == {(str(ipynb), expected)}


def test_a_number_is_not_a_name_but_a_number_beside_a_word_is(national):
    """Where each number of the page stands: in a code, a year, a count, a time; never a finding.
    "Enhet 3498" and its inflections are, and the longest name wins ("Enhet 3498", not "Enhet 34")."""
    text = "2030-3498, 3498 poäng, år 2030, 12:34, 3498px, #3498, 2030-3498:s"
    assert list(national.search(text)) == []
    found = [(token, text[a:b]) for text in ["Enhet 3498:s plats", "enheten 3498", "Enhet 34 och Enhet 349"]
             for token, a, b in national.search(text)]
    assert found == [("Enhet 3498 (fiktiv)", "Enhet 3498"), ("Enhet 34 (fiktiv)", "Enhet 34"),
                     ("Enhet 349 (fiktiv)", "Enhet 349")]
