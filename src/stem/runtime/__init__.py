"""Organ runtime: the AST validator, the isolation layers and the sandboxed worker."""
