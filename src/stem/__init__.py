"""stem: an evolution harness that grows verified, executable skills (organs) under task pressure.

    import stem
    cell = stem.load_cell("genomes/mature_cell.json")
    result = cell.solve("examples/inference/public/trade_infer_001")   # .artifact .verdict .valid .trace
"""

from stem.version import __version__


def load_cell(path="genomes/mature_cell.json", config=None, unsafe=False):
    """A saved genome as a cell whose solve(task) runs its organs in the sandbox (see stem.inference)."""
    from stem.inference import load_cell as load
    return load(path, config, unsafe)


__all__ = ["__version__", "load_cell"]
