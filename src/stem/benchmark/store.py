"""Episodes on disk: <suite>/public/<episode_id>/ (manifest + files) and <suite>/private/<episode_id>/expected.json.

The public and private trees are siblings, so a sandbox can mount one episode's public
directory and nothing else.
"""

from __future__ import annotations

from pathlib import Path

from stem.benchmark import domains
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.manifest import TaskManifest, parse_manifest
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
    """Load an episode from its public directory; the private side, when there is one, is its sibling
    under ../../private/<id>/expected.json. Without it the episode is public-only (`private == {}`)."""
    pub = Path(pub)
    mpath = pub / MANIFEST
    if not mpath.is_file():
        raise StemError(f"{pub}: no {MANIFEST} here; point at an episode's public directory")
    manifest = read_manifest(mpath)
    files = {}
    for path in sorted(pub.iterdir()):
        if path.is_file() and path.name != MANIFEST:
            try:
                files[path.name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise StemError(f"{path}: public artifact is not UTF-8 text") from None
    domains.get(manifest.domain).check_public(files)
    private = {}
    ppath = pub.parent.parent / "private" / pub.name / PRIVATE
    if with_private and ppath.is_file():  # absent: a public-only task (nobody has answered it yet)
        private = read_json(ppath, "private expected artifact")
        if not isinstance(private, dict) or "expected" not in private:
            raise StemError(f"{ppath}: field 'expected' is missing; regenerate the episode")
    return Episode(manifest=manifest, public_files=files, private=private)


def read_manifest(mpath: Path) -> TaskManifest:
    try:
        text = mpath.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise StemError(f"{mpath}: the manifest is not UTF-8 text; fix the manifest file") from None
    return parse_manifest(text, str(mpath))


def suite_ids(suite: Path) -> list[str]:
    root = suite / "public"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def refuse_clobber(episode: Episode, suite: Path) -> None:
    """Same seed gives the same bytes, so rewriting is harmless; a different episode is never overwritten."""
    pub = public_dir(suite, episode.episode_id)
    if not pub.exists():
        return
    try:
        same = read_episode(pub).model_dump() == episode.model_dump()
    except StemError:
        same = False
    if not same:
        raise StemError(f"{pub}: a different episode already exists there; choose another --out")
