"""Row ids as the API accepts them: a number no id column can hold is refused
(422) before it reaches the database, whose driver would fail on it (SQLite
beyond 64 bits, PostgreSQL's integer beyond 32)."""

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of the id columns

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]
