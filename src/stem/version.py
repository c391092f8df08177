"""The package version (one place; `stem --version` and run records read it)."""

__version__ = "0.1.0"
