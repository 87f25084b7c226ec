"""The one way the project writes a value into a workbook cell.

A spreadsheet treats text that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(openpyxl itself turns a ``str`` starting with ``=`` into one). Entry names, comments and
codes come from data files and people, so every text the project writes goes through
:func:`put`, which stores it as text: data type string, plus Excel's quote prefix for those
four characters so that editing the cell later keeps it text.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMULA_PREFIXES", "put", "workbook_cells"]

#: First characters that make a spreadsheet read text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def put(ws: Worksheet, row: int, column: int, value, **style):
    """Write ``value`` into the cell at ``row``, ``column`` (1-based) and return the cell.

    Parameters
    ----------
    ws : the worksheet.
    row, column : the cell.
    value : None, a number or text. Text is always stored as text, never as a formula;
        characters a workbook cannot hold (control characters) are dropped.
    **style : cell attributes to set as well (``font``, ``fill``, ``alignment``,
        ``protection``, ``number_format``, ``border``).
    """
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"  # the setter makes text starting with "=" a formula: undo that
        cell.quotePrefix = text.startswith(FORMULA_PREFIXES)
    else:
        cell.value = value
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def workbook_cells(path) -> dict[str, dict[str, tuple]]:
    """Every non-empty cell of a workbook: sheet -> {"D7": (value, data type)}, formulas as text.

    Two workbooks with the same cells hold the same content, whatever their zip bytes
    (which differ between saves: the archive records when it was written).
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=False)
    try:
        return {
            ws.title: {c.coordinate: (c.value, c.data_type) for row in ws.iter_rows() for c in row
                       if c.value is not None}
            for ws in wb.worksheets
        }
    finally:
        wb.close()
