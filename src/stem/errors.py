"""User-facing errors: one line saying what is wrong and how to fix it; the CLI exits with code 2."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class StemError(Exception):
    """A mistake the user can fix (bad input, missing file, wrong flag). Never shown as a traceback."""

    exit_code = 2


def field_error(origin: object, exc: "ValidationError", fix: str) -> StemError:
    """One line from a pydantic ValidationError: where, which field (first error), what, how to fix."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "(root)"
    return StemError(f"{origin}: field '{field}': {err['msg']}; {fix}")
