"""User-facing errors: one line saying what is wrong and how to fix it; the CLI exits with code 2."""


class StemError(Exception):
    """A mistake the user can fix (bad input, missing file, wrong flag). Never shown as a traceback."""

    exit_code = 2
