"""The demo's people (:mod:`scoring.demo`): ``data/people.csv``, a fictional name and e-mail address
for every examiner, trainee and entry (the unit's contact), and one for the jury.

The names are invented: Swedish first names of an older day with surnames made up for the demo
("Tekla Vinterskog"), and addresses at ``example.org``, the domain reserved for examples, so no
real mailbox is named. The words are chosen so that none of them
(in any inflection the privacy guard looks for: ``Vinterskogs``, ``Vinterskogen``) is a word a
report shows: a district, a unit's name, a label or a comment of the demo; a test checks that
against every text the reports are made from.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["FIRST_NAMES", "SURNAMES", "JURY", "people", "email_address"]

#: First names: Swedish, of an older day, none of them a Swedish word.
FIRST_NAMES = (
    "Agda", "Alrik", "Arvid", "Birger", "Dagny", "Edla", "Edvin", "Elvira", "Eskil", "Evert", "Gunvor",
    "Gösta", "Henny", "Hjalmar", "Holger", "Hulda", "Ingegerd", "Isidor", "Konrad", "Majken", "Märta",
    "Ottilia", "Ragnvald", "Rigmor", "Sigvard", "Signhild", "Tekla", "Torsten", "Valborg", "Verner",
)  # fmt: skip
#: Surnames made up for the demo.
SURNAMES = (
    "Björkvall", "Ekhamre", "Gnejsberg", "Granlöf", "Hagelqvist", "Hasselroth", "Kvarnbeck", "Lindeskär",
    "Ljungstedt", "Lommeby", "Myrbäck", "Näverlund", "Ödmark", "Örnhjelm", "Ormåker", "Ripström", "Sälgeby",
    "Silfverlöv", "Stjärnkvist", "Tallroth", "Tjärnkvist", "Törnblad", "Vassgren", "Vinterskog",
)  # fmt: skip
#: The code of the jury's zip (``send/jury.zip``) in ``people.csv``.
JURY = "jury"
DOMAIN = "example.org"


def email_address(name: str, taken: set[str] | None = None) -> str:
    """``fornamn.efternamn@example.org`` for a name (accents and å, ä, ö dropped, lower case), with a
    number added when ``taken`` holds the address already (``taken`` gets the new one)."""
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    local = ".".join("".join(c for c in word if c.isascii() and c.isalnum()) for word in plain.split())
    address, n = f"{local}@{DOMAIN}", 1
    while taken is not None and address in taken:
        n += 1
        address = f"{local}{n}@{DOMAIN}"
    if taken is not None:
        taken.add(address)
    return address


def people(rng: np.random.Generator, examiner_codes: Iterable[str], trainee_codes: Iterable[Sequence[str]],
           entry_ids: Iterable[str], *, jury: bool = True) -> list[tuple[str, str, str]]:
    """The rows of ``people.csv``: ``(code, name, email)``, every name different.

    Parameters
    ----------
    rng : the demo's random stream for people (a stream of its own: no score changes).
    examiner_codes : every examiner's code (``E07``).
    trainee_codes : ``(session, code)`` of every trainee; the row's code is ``<session>/<code>``.
        A session whose name comes back every year can be given as ``"2024/grundutbildning"``
        (the code ``2024/grundutbildning/T03`` then names that year's trainee).
    entry_ids : every entry (the row is the unit's contact).
    jury : also a row for the jury's zip (code :data:`JURY`: the jury's secretary).

    Returns
    -------
    Rows in the order given (examiners, trainees, entries, the jury), codes without repeats.
    """
    codes = list(dict.fromkeys([*map(str, examiner_codes), *(f"{s}/{c}" for s, c in trainee_codes),
                                *map(str, entry_ids), *([JURY] if jury else [])]))
    names = [f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES]
    if len(codes) > len(names):
        raise ValueError(f"{len(codes)} people, but only {len(names)} different names")
    drawn = rng.permutation(len(names))[: len(codes)]
    taken: set[str] = set()
    return [(code, names[i], email_address(names[i], taken)) for code, i in zip(codes, drawn, strict=True)]
