"""User-facing errors: one line saying what is wrong and how to fix it; the CLI exits with code 2."""

from __future__ import annotations

import errno
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
    message = err["msg"].removeprefix("Value error, ")  # pydantic's prefix for a validator's own message
    return StemError(f"{origin}: field '{field}': {message}; {fix}")


_FAULTS = {errno.ENOSPC: ("no space left on device", "free space"),
           errno.EDQUOT: ("disk quota exceeded", "free space"),
           errno.EROFS: ("read-only file system", "make the folder writable"),
           errno.EACCES: ("permission denied", "make the folder writable"),
           errno.EPERM: ("permission denied", "make the folder writable"),
           errno.EIO: ("input/output error", "check the disk")}


class WriteFault(StemError):
    """The environment refused a write (disk full, read-only folder, no permission). `problem` says
    what and where; `fix` what to do before running again. Writes are atomic, so nothing half-written
    is left behind."""

    def __init__(self, path: object, exc: OSError):
        what, fix = _FAULTS.get(exc.errno, ((exc.strerror or str(exc)).lower(), "fix the folder"))
        self.path, self.errno, self.fix = path, exc.errno, fix
        self.problem = f"{what} writing {path}"
        super().__init__(f"{self.problem}; {fix} and run the command again")

    def continue_with(self, command: str) -> StemError:
        return StemError(f"{self.problem}; {self.fix} and continue with: {command}")


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread so they end like Ctrl-C: atomically, with one line."""

    def __init__(self, signal_name: str):
        super().__init__(signal_name)
        self.signal_name = signal_name
