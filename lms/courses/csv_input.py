"""Reading a teacher's CSV upload: UTF-8 text, a header row, and errors that name the line.

Shared by the roster import (here) and the grade import (`lms.grading.imports`). Every problem
becomes a `ValidationError` whose messages say the line and what is wrong, so a page can show
them all at once; the caller imports nothing while there is one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError

# Spreadsheets open bigger files badly anyway; this keeps one upload from holding a worker.
MAX_BYTES = 2 * 1024 * 1024
MAX_ERRORS = 20  # enough to fix a file; more would bury the first ones


@dataclass(frozen=True)
class CsvTable:
    header: list[str]  # as written, stripped
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells), blank lines left out


def header_key(name: str) -> str:
    """Headers are matched without case, spaces, dashes or underscores: "E-mail" is "email"."""
    return "".join(ch for ch in name.lower() if ch not in " -_\t")


def read_csv(content: bytes) -> CsvTable:
    """Decode and split an uploaded CSV file; raise `ValidationError` for anything unreadable."""
    if len(content) > MAX_BYTES:
        raise ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        # utf-8-sig: Excel's "CSV UTF-8" starts the file with a byte order mark.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ValidationError(
            f"Line {line}: the file is not UTF-8 text. In your spreadsheet, save it as "
            "“CSV UTF-8” and upload it again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    numbered: list[tuple[int, list[str]]] = []
    first_line = 1  # a quoted cell may hold line breaks: a row starts after the previous one
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                numbered.append((first_line, cells))
            first_line = reader.line_num + 1
    except csv.Error as error:
        raise ValidationError(f"Line {reader.line_num}: not valid CSV ({error}).") from error
    if not numbered:
        raise ValidationError("The file is empty: it needs a header row and one row per line.")
    (_, header), rows = numbered[0], numbered[1:]
    if not rows:
        raise ValidationError("The file has a header row but no rows under it.")
    return CsvTable([cell.strip() for cell in header], rows)


def raise_line_errors(errors: list[str]) -> None:
    """Raise every collected line error at once (the first `MAX_ERRORS`), if there are any."""
    if not errors:
        return
    shown = errors[:MAX_ERRORS]
    if len(errors) > MAX_ERRORS:
        shown.append(f"… and {len(errors) - MAX_ERRORS} more problems.")
    raise ValidationError(shown)
