"""Episode: one generated or hand-made task, with its public files and its private expected artifact."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from stem.benchmark.manifest import TaskManifest


def dump_json(data: Any) -> str:
    """Canonical JSON text: sorted keys, two-space indent, trailing newline (byte-stable)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Episode(BaseModel):
    manifest: TaskManifest
    public_files: dict[str, str]
    private: dict[str, Any]

    @property
    def episode_id(self) -> str:
        return self.manifest.episode_id

    @property
    def domain(self) -> str:
        return self.manifest.domain

    def public_json(self, name: str) -> Any:
        return json.loads(self.public_files[name])
