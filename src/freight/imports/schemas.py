"""The answer of an import."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

KindName = Literal["shipments", "drivers", "vehicles", "customers"]


class RowError(BaseModel):
    """One problem of one row, worded for the person who made the spreadsheet."""

    row: int = Field(description="the row as a spreadsheet numbers it: the header is row 1")
    column: str = Field(description="the CSV column; empty when the problem is the whole row")
    message: str = Field(description='e.g. "delivery window end: must be after the start"')


class ImportResult(BaseModel):
    """What an import found and did (a dry run: what it would do)."""

    dry_run: bool
    rows: int = Field(description="data rows read (blank lines are not counted)")
    valid: int = Field(description="rows without errors: created plus skipped")
    created: int = Field(description="rows added (a dry run: rows that would be added)")
    skipped: int = Field(
        description="rows naming a record that is already there (by id, external_ref, a "
        "vehicle's number or a shipment's reference): left as they are"
    )
    errors: list[RowError] = Field(description="first by row; rows with errors are not imported")
    errors_not_listed: int = Field(
        default=0, description="errors beyond the first 1,000, counted but not listed"
    )
