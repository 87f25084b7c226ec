"""The privacy guard on crafted files: every place a code can hide, and the false alarms it must not raise.

Every file here is made by the test itself (PNG chunks, JPEG segments, a PDF written by
hand, zips), so each case states exactly what is in it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import struct
import zipfile
import zlib

import nbformat
import pytest

from scoring.reports import privacy
from scoring.reports.privacy import Forbidden, Person, PrivacyError, scan, scan_bytes

OTHERS = Forbidden(codes=["E03", "E12"], names=["Anna Svensson"])


def _tokens(findings):
    return sorted({f.token for f in findings if f.token is not None})


# --------------------------------------------------------------------------- building files


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _png(*extra: bytes, pad: bytes = b"") -> bytes:
    """A valid 1x1 grey PNG with ``extra`` chunks before the image data."""
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = _chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra) + idat + _chunk(b"IEND", b"")


def _text(key: str, text: str) -> bytes:
    return _chunk(b"tEXt", key.encode("latin-1") + b"\0" + text.encode("latin-1"))


def _ztxt(key: str, text: str) -> bytes:
    return _chunk(b"zTXt", key.encode("latin-1") + b"\0\0" + zlib.compress(text.encode("latin-1")))


def _itxt(key: str, text: str, compressed: bool) -> bytes:
    body = text.encode("utf-8")
    body = zlib.compress(body) if compressed else body
    return _chunk(b"iTXt", key.encode() + b"\0" + bytes([int(compressed), 0]) + b"sv\0" + b"\0" + body)


def _png_whose_base64_says(word: str) -> bytes:
    """A clean PNG (no text chunk) whose base64 text contains ``/word+`` as a whole token.

    Random image data holds such strings by chance; here they are put there on purpose:
    a private chunk carries the bytes that encode to ``/E07+AAA`` at a base64-aligned offset.
    """
    target = f"/{word}+AAA"
    assert len(target) % 4 == 0
    payload = base64.b64decode(target)
    head = _png()[:33]  # signature and IHDR
    for pad in range(3):  # align the payload to a 3-byte boundary of the whole file
        chunk_data = b"\0" * pad + payload
        offset = len(head) + 8 + pad
        if offset % 3 == 0:
            break
    png = head + _chunk(b"raNd", chunk_data) + _png()[33:]
    assert f"/{word}+" in base64.b64encode(png).decode()
    return png


def _jpeg(comment: str) -> bytes:
    com = comment.encode("utf-8")
    return (b"\xff\xd8" + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com
            + b"\xff\xda" + b"\x00\x02" + b"\x00" * 4 + b"\xff\xd9")


def _pdf(page_text: str, title: str) -> bytes:
    """A one-page PDF written by hand: Helvetica text on the page, a document title."""
    content = f"BT /F1 12 Tf 72 720 Td ({page_text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({title}) >>".encode(),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _html(body: str) -> bytes:
    return f'<!DOCTYPE html><html lang="sv"><body>{body}</body></html>'.encode()


def _img(png: bytes, alt: str = "figur") -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{alt}">'


def _notebook(outputs=(), metadata=None, source="x = 1") -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update(metadata or {})
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    nb.cells = [cell]
    return nbformat.writes(nb).encode()


def _png_output(png: bytes) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}}


# --------------------------------------------------------------------------- tokens


@pytest.mark.parametrize(
    "text, found",
    [
        ("Examinator E03 bedömde", ["E03"]),
        ("(E03)", ["E03"]),
        ("examiners/E03.html", ["E03"]),
        ("E03_scores", ["E03"]),  # underscore separates tokens
        ("E03,E12", ["E03", "E12"]),
        ("E030 och E0312", []),  # E03 is not E030
        ("TE03 och xE12y", []),
        ("e03", ["E03"]),  # any case (issue 15: e51 used to slip through)
        ("E03s och E03:s", ["E03"]),  # before a genitive
        ("\uff25\uff10\uff13 och E\u200b03", ["E03"]),  # full width, a zero-width space inside
        ("E03\u00a0", ["E03"]),
        ("ANNA   svensson skrev", ["Anna Svensson"]),  # names ignore case and spacing
        ("Anna\nSvensson", ["Anna Svensson"]),
        ("Annas Svensson", ["Anna Svensson"]),  # a distinctive word of the name, in the genitive
        ("AnnaSvensson", []),
    ],
)
def test_whole_tokens(text, found):
    assert sorted({t for t, _, _ in OTHERS.search(text)}) == found


def test_decomposed_letters_match_their_composed_form():
    forbidden = Forbidden(names=["Åsa Öberg"])
    decomposed = "A\u030asa O\u0308berg"  # Å and Ö as letter + combining mark
    assert [t for t, _, _ in forbidden.search(decomposed)] == ["Åsa Öberg"]


def test_nothing_forbidden_finds_nothing(tmp_path):
    f = tmp_path / "a.html"
    f.write_bytes(_html("E03"))
    assert scan([f], Forbidden()) == []
    assert not Forbidden()


# --------------------------------------------------------------------------- HTML


def test_html_text_attributes_and_escapes(tmp_path):
    f = tmp_path / "E07.html"
    f.write_bytes(_html('<p>Se även E03.</p><img src="data:image/png;base64,'
                        + base64.b64encode(_png()).decode()
                        + '" alt="Staplar för E12"><p>&#69;03 och E%30%33</p>'))
    findings = scan([("2024/examiners/E07.html", f)], OTHERS)
    assert _tokens(findings) == ["E03", "E12"]
    assert {f.file for f in findings} == {"2024/examiners/E07.html"}
    assert any("Staplar för E12" in f.excerpt for f in findings)
    assert len([f for f in findings if f.token == "E03"]) >= 2  # the plain one and the escaped ones


def test_base64_payloads_are_not_read_as_text(tmp_path):
    png = _png_whose_base64_says("E03")
    page = _html(_img(png))
    assert re.search(r"(?<![A-Za-z0-9])E03(?![A-Za-z0-9])", page.decode())  # a naive search is fooled
    f = tmp_path / "E07.html"
    f.write_bytes(page)
    assert scan([f], OTHERS) == []
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook([_png_output(png)]))
    assert "/E03+" in nb.read_text()
    assert scan([nb], OTHERS) == []


@pytest.mark.parametrize(
    "chunk",
    [
        _text("Comment", "examinator E03"),
        _ztxt("Description", "E03 skrev detta"),
        _itxt("Title", "Poäng för E03", compressed=False),
        _itxt("Title", "Poäng för E03", compressed=True),
        _chunk(b"eXIf", b"MM\0*\0\0\0\x08 Artist E03 "),
    ],
    ids=["tEXt", "zTXt", "iTXt", "iTXt-compressed", "eXIf"],
)
def test_png_text_chunks_in_html_and_notebook(tmp_path, chunk):
    png = _png(chunk)
    page = tmp_path / "E07.html"
    page.write_bytes(_html(_img(png)))
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook([_png_output(png)]))
    for path in (page, nb):
        findings = scan([path], OTHERS)
        assert _tokens(findings) == ["E03"], path
        assert "PNG" in findings[0].where
    assert "E03" not in page.read_text()  # only the image's text layer says it


def test_png_without_forbidden_text_is_clean(tmp_path):
    png = _png(_text("Software", "Matplotlib version 3.9, https://matplotlib.org/"))
    f = tmp_path / "E07.html"
    f.write_bytes(_html(_img(png)))
    assert scan([f], OTHERS) == []


def test_jpeg_comment_and_svg_text(tmp_path):
    page = tmp_path / "E07.html"
    page.write_bytes(_html(
        f'<img src="data:image/jpeg;base64,{base64.b64encode(_jpeg("tagen av E12")).decode()}" alt="x">'))
    assert _tokens(scan([page], OTHERS)) == ["E12"]
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="1">E03</text></svg>'
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook([{"output_type": "display_data", "metadata": {},
                               "data": {"image/svg+xml": svg, "text/plain": "<svg>"}}]))
    findings = scan([nb], OTHERS)
    assert _tokens(findings) == ["E03"]
    assert "image/svg+xml" in findings[0].where


def test_image_formats_it_cannot_read_fail_closed(tmp_path):
    page = tmp_path / "E07.html"
    page.write_bytes(_html('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="x">'))
    findings = scan([page], OTHERS)
    assert [f.token for f in findings] == [None]
    assert "image/gif" in findings[0].excerpt
    broken = tmp_path / "b.html"
    broken.write_bytes(_html(_img(_png()[:40])))
    assert [f.token for f in scan([broken], OTHERS)] == [None]


# --------------------------------------------------------------------------- notebooks


def test_notebook_metadata_sources_and_outputs(tmp_path):
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook(
        outputs=[{"output_type": "stream", "name": "stdout", "text": "klart\n"}],
        metadata={"papermill": {"parameters": {"examiner_id": "E07", "compare_with": "E12"},
                                "input_path": "/data/E03/examiner_feedback.ipynb"}},
    ))
    findings = scan([nb], OTHERS)
    where = {f.token: f.where for f in findings}
    assert where == {"E12": "metadata.papermill.parameters.compare_with",
                     "E03": "metadata.papermill.input_path"}


def test_notebook_keys_and_stream_text(tmp_path):
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook(
        outputs=[{"output_type": "stream", "name": "stdout", "text": "Anna  Svensson\n"},
                 {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                  "data": {"text/plain": "{'E03': 1}"}}],
        source="print(results)",
    ))
    assert _tokens(scan([nb], OTHERS)) == ["Anna Svensson", "E03"]
    assert json.loads(nb.read_text())  # still a notebook


def test_the_texts_are_searched_together_and_a_finding_named_where_it_is(tmp_path):
    """A file's texts are searched joined first (``privacy._Out``), each alone only when that finds
    something: a unit's name whose words end one output and start the next is found in the second
    output (by its short form) as a search of each alone finds it, with the code beside it; with
    another unit and the file's own code the outputs give nothing."""
    forbidden = Forbidden(codes=["E12"], names=["Förskolan Solrosen"])

    def outputs(unit: str, code: str) -> list[dict]:
        return [{"output_type": "stream", "name": "stdout", "text": "Välkommen till Förskolan"},
                {"output_type": "stream", "name": "stderr", "text": f"{unit} och {code}"}]

    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook(outputs=outputs("Solrosen", "E12")))
    assert [(f.token, f.where, f.excerpt) for f in scan([nb], forbidden)] == [
        ("Förskolan Solrosen", "cells[0].outputs[1].text", "Solrosen och E12"),
        ("E12", "cells[0].outputs[1].text", "Solrosen och E12")]
    nb.write_bytes(_notebook(outputs=outputs("Paletten", "E07")))
    assert scan([nb], forbidden) == []


def test_own_code_is_allowed(tmp_path):
    nb = tmp_path / "E07.ipynb"
    nb.write_bytes(_notebook(metadata={"papermill": {"parameters": {"examiner_id": "E07"}}},
                             outputs=[_png_output(_png(_text("Title", "E07")))]))
    assert scan([nb], OTHERS) == []


# --------------------------------------------------------------------------- PDF and zip


def test_pdf_page_text_and_document_title(tmp_path):
    pdf = tmp_path / "E07.pdf"
    pdf.write_bytes(_pdf("Jämfört med E12", "Återkoppling E03"))
    findings = scan([pdf], OTHERS)
    assert {(f.token, f.where.split()[-1]) for f in findings} == {("E12", "1"), ("E03", "information")}
    clean = tmp_path / "clean.pdf"
    clean.write_bytes(_pdf("Bara E07", "Återkoppling E07"))
    assert scan([clean], OTHERS) == []
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    assert [f.token for f in scan([broken], OTHERS)] == [None]


def test_zip_members_names_comments_and_nesting(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("2024-E07.pdf", _pdf("E12", "E07"))
    outer = tmp_path / "E07.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("2024-examiners-E07.html", _html(_img(_png(_text("Comment", "E03")))))
        z.writestr("2024-examiners-E03.html", _html("ok"))
        z.writestr("inner.zip", inner.getvalue())
    findings = scan([("send/E07.zip", outer)], OTHERS)
    files = {(f.file, f.token) for f in findings}
    assert ("send/E07.zip!2024-examiners-E07.html", "E03") in files  # PNG chunk inside a member
    assert ("send/E07.zip!2024-examiners-E03.html", "E03") in files  # a member's name
    assert ("send/E07.zip!inner.zip!2024-E07.pdf", "E12") in files  # a PDF in a zip in the zip
    clean = tmp_path / "clean.zip"
    with zipfile.ZipFile(clean, "w") as z:
        z.writestr("2024-examiners-E07.html", _html(_img(_png_whose_base64_says("E12"))))
    assert scan([clean], OTHERS) == []


def test_unknown_file_types_and_missing_files_fail_closed(tmp_path):
    odd = tmp_path / "E07.bin"
    odd.write_bytes(b"\x00E03")
    assert [f.token for f in scan([odd, tmp_path / "gone.html"], OTHERS)] == [None, None]


def test_check_raises_with_a_readable_message(tmp_path):
    f = tmp_path / "E07.html"
    f.write_bytes(_html("E03 E12 E03"))
    with pytest.raises(PrivacyError) as err:
        privacy.check([("2024/examiners/E07.html", f)], OTHERS)
    message = str(err.value)
    assert message.startswith("privacy: names E03, E12: 2024/examiners/E07.html: text: names E03")
    assert "\n" not in message
    assert [f.token for f in err.value.findings] == ["E03", "E12", "E03"]  # every occurrence


def test_scan_bytes_names_a_file_by_its_label():
    findings = scan_bytes(_html("E03"), "2024/examiners/E07.html", OTHERS)
    assert [(f.file, f.where, f.token) for f in findings] == [("2024/examiners/E07.html", "text", "E03")]
    assert Person("E07").names == ()


def test_a_code_that_looks_like_markup_is_found_where_shown_not_in_the_markup():
    """Codes come from data and may hold markup (the hostile tests use ``</table>``): the page's
    own tables are no leak, the code shown as text (escaped) is."""
    forbidden = privacy.Forbidden(codes=["</table>", "E03"])
    clean = b"<table><tr><td>E07</td></tr></table><p title='x'>ok</p>"
    assert privacy.scan_bytes(clean, "E07.html", forbidden) == []
    leaky = b"<table><tr><td>&lt;/table&gt;</td></tr></table><img alt='E03' src='data:,'>"
    assert sorted(f.token for f in privacy.scan_bytes(leaky, "E07.html", forbidden)) == ["</table>", "E03"]


def test_a_name_or_code_split_by_an_isolate_is_found():
    """Pages isolate right-to-left and bidi text in <bdi> (issue 16); the guard reads across it."""
    pages = ((b"<p>Anna <bdi>Svensson</bdi> skrev</p>", "Anna Svensson"), (b"<td>E<bdi>03</bdi></td>", "E03"))
    for page, token in pages:
        assert {f.token for f in scan_bytes(page, "x.html", OTHERS)} == {token}, page
