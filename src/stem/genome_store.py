"""Genomes on disk: a JSON file plus organ files beside it, each verified by sha256 on load."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from stem.errors import StemError, field_error
from stem.genome import Genome, OrganRef
from stem.jsonio import exclusive_lock, read_json, write_json, write_text_atomic


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_organ(directory: Path, filename: str, source: str) -> OrganRef:
    write_text_atomic(directory / filename, source)
    return OrganRef(name=Path(filename).stem, path=filename, sha256=sha256_text(source))


def load_genome(path: Path) -> Genome:
    data = read_json(path, "genome")
    try:
        genome = Genome.model_validate(data)
    except ValidationError as exc:
        raise field_error(path, exc, "fix or regenerate the genome") from None
    for domain, cap in genome.capabilities.items():
        organ_source(path, cap.organ)
        if cap.domain != domain:
            raise StemError(f"{path}: field 'capabilities.{domain}.domain' says {cap.domain}; they must match")
    return genome


def genome_organs(genome_path: Path) -> dict[str, str]:
    """domain -> organ source of a genome file, every organ checked against its sha256."""
    genome = load_genome(Path(genome_path))
    return {d: organ_source(Path(genome_path), c.organ) for d, c in genome.capabilities.items()}


def organ_source(genome_path: Path, ref: OrganRef) -> str:
    """The organ's source, refused when the file is missing or its hash does not match the genome."""
    file = (genome_path.parent / ref.path).resolve()
    if not file.is_file():
        raise StemError(f"{genome_path}: organ '{ref.name}' file {file} is missing; restore it or retrain")
    text = file.read_text(encoding="utf-8")
    if sha256_text(text) != ref.sha256:
        raise StemError(f"{genome_path}: organ '{ref.name}' ({file}) does not match its sha256 in the genome; "
                        "the file was changed after the genome was saved; restore it or retrain")
    return text


def cell_lock(target: Path) -> Path:
    """The lock file that guards the shared cell at `target` (and the lessons store beside it)."""
    return target.with_name(f".{target.name}.lock")


def publish_cell(genome: Genome, source_genome_path: Path, target: Path, notes: str) -> Genome:
    """Write `genome` into the shared cell at `target` (e.g. genomes/mature_cell.json), keeping the
    cell's organs for domains `genome` does not have. Two runs may publish at once (one per domain in
    two terminals): the cell is re-read and merged under an exclusive lock, so neither loses the
    other's organ."""
    with exclusive_lock(cell_lock(target)):
        texts = {d: organ_source(source_genome_path, c.organ) for d, c in genome.capabilities.items()}
        caps = dict(genome.capabilities)
        if target.is_file():
            for domain, cap in load_genome(target).capabilities.items():
                if domain not in caps:
                    caps[domain], texts[domain] = cap, organ_source(target, cap.organ)
        out = {}
        for domain, cap in caps.items():
            rel = f"skills/{Path(cap.organ.path).name}"
            write_text_atomic(target.parent / rel, texts[domain])
            out[domain] = cap.model_copy(update={"organ": OrganRef(name=cap.organ.name, path=rel, sha256=cap.organ.sha256)})
        cell = genome.model_copy(update={"name": "mature_cell", "notes": notes, "capabilities": out})
        write_json(target, cell.model_dump(mode="json"))
        return cell
