"""Reading an uploaded CSV file: the file's own checks, its header, then its records.

A file is checked whole before anything is imported (``check``): its size, that it is
UTF-8 text (a byte-order mark is allowed), that it parses as CSV and that its header
names the kind's columns. So a broken file is one clear 422 naming ``file``, never an
import cut off half way. ``records`` then streams it a record at a time.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row
is row 2, and a blank line still takes its number (it is not imported).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from freight.errors import ValidationFailed, invalid

# Exports put a quote before text a spreadsheet would run as a formula (OWASP "CSV
# injection"); reading takes it off again, so an export imports as it was.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Columns:
    """What a kind's header may and must name."""

    kind: str
    known: Sequence[str]  # imported, in the order exports write them
    required: frozenset[str]
    ignored: frozenset[str] = frozenset()  # written by exports, not imported


@dataclass(frozen=True)
class Record:
    """One data row: its number and its non-empty cells by column."""

    row: int
    cells: dict[str, str]
    problem: str | None = None  # a row the header cannot make sense of


def file_error(msg: str) -> ValidationFailed:
    """A 422 naming the ``file`` field."""
    return invalid("body", "file", msg=msg)


def escaped(value: str) -> str:
    """Text as exports write it (formula-looking text quoted)."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def _unescaped(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _name(header_cell: str) -> str:
    """A header as a column name: ``Pickup City`` and ``pickup-city`` are ``pickup_city``."""
    return "_".join(header_cell.strip().lower().replace("-", " ").split())


def _columns_of(header: list[str] | None, columns: Columns) -> list[str]:
    names = [_name(cell) for cell in header or []]
    if not any(names):
        raise file_error("the first row must name the columns, e.g. " + ", ".join(columns.known))
    errors: list[dict[str, object]] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            errors.append({"loc": ["body", "file"], "msg": f"column {name} appears twice"})
        seen.add(name)
        if name and name not in columns.known and name not in columns.ignored:
            msg = f"unknown column {name!r}; the columns of {columns.kind} are: "
            errors.append({"loc": ["body", "file"], "msg": msg + ", ".join(columns.known)})
    for name in columns.known:
        if name in columns.required and name not in seen:
            errors.append({"loc": ["body", "file"], "msg": f"missing column {name}"})
    if errors:
        detail = "file: " + "; ".join(str(e["msg"]) for e in errors)
        raise ValidationFailed(detail, errors=errors)
    return names


def records(raw: BinaryIO, columns: Columns) -> Iterator[Record]:
    """The file's data rows, one at a time (``raw`` is read from its start)."""
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        reader = csv.reader(text, strict=True)
        names = _columns_of(next(reader, None), columns)
        row = 1
        for cells in reader:
            row += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
                problem = f"{len(cells)} values, but the header names {len(names)} columns"
                yield Record(row, {}, problem)
                continue
            found = {
                name: _unescaped(cell.strip())
                for name, cell in zip(names, cells, strict=False)
                if name in columns.known and cell.strip()
            }
            yield Record(row, found)
    finally:
        text.detach()  # the upload stays open for the caller


def check(raw: BinaryIO, columns: Columns, max_bytes: int) -> int:
    """Refuse a file that is too large, not UTF-8 CSV text, or whose header is wrong (422
    naming ``file``); else the number of data rows."""
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    if size > max_bytes:
        raise file_error(f"larger than the {max_bytes:,} bytes an import takes; split it")
    if size == 0:
        raise file_error("the file is empty")
    raw.seek(0)
    if b"\x00" in raw.read(8192):
        raise file_error("not a CSV file (it holds binary data); save the sheet as CSV UTF-8")
    count = 0
    try:
        for _ in records(raw, columns):
            count += 1
    except UnicodeDecodeError:
        raise file_error("not UTF-8 text; save the sheet as CSV UTF-8") from None
    except csv.Error as exc:
        raise file_error(f"not a readable CSV file: {exc}") from None
    return count
