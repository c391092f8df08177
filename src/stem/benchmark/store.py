"""Episodes on disk: <suite>/public/<episode_id>/ (manifest + files) and <suite>/private/<episode_id>/expected.json.

The public and private trees are siblings, so a sandbox can mount one episode's public
directory and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from stem.benchmark import domains
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.manifest import parse_manifest
from stem.errors import StemError
from stem.jsonio import read_json, write_text_atomic

MANIFEST = "manifest.json"
PRIVATE = "expected.json"


def public_dir(suite: Path, episode_id: str) -> Path:
    return suite / "public" / episode_id


def private_dir(suite: Path, episode_id: str) -> Path:
    return suite / "private" / episode_id


def write_episode(episode: Episode, suite: Path) -> Path:
    pub = public_dir(suite, episode.episode_id)
    for name, text in sorted(episode.public_files.items()):
        write_text_atomic(pub / name, text)
    write_text_atomic(pub / MANIFEST, dump_json(episode.manifest.compact_dump()))
    write_text_atomic(private_dir(suite, episode.episode_id) / PRIVATE, dump_json(episode.private))
    return pub


def read_episode(pub: Path, with_private: bool = True) -> Episode:
    """Load an episode from its public directory; the private side is its sibling under ../../private/."""
    pub = Path(pub)
    mpath = pub / MANIFEST
    if not mpath.is_file():
        raise StemError(f"{pub}: no {MANIFEST} here; point at an episode's public directory")
    manifest = parse_manifest(mpath.read_text(encoding="utf-8"), str(mpath))
    files = {}
    for path in sorted(pub.iterdir()):
        if path.is_file() and path.name != MANIFEST:
            try:
                files[path.name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise StemError(f"{path}: public artifact is not UTF-8 text") from None
    domains.get(manifest.domain).check_public(files)
    private = {}
    if with_private:
        ppath = pub.parent.parent / "private" / pub.name / PRIVATE
        private = read_json(ppath, "private expected artifact")
        if not isinstance(private, dict) or "expected" not in private:
            raise StemError(f"{ppath}: field 'expected' is missing; regenerate the episode")
    return Episode(manifest=manifest, public_files=files, private=private)


def suite_ids(suite: Path) -> list[str]:
    root = suite / "public"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())
