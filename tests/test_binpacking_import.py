"""`stem bench import --domain binpacking` + `stem infer --task-file`: a user's own instances become task
folders that the Best Fit fixture organ runs in the real sandbox; the bins it reports are exactly those
of a Best Fit written here, independently of the domain and the fixture."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from stem.genome import Capability, Genome
from stem.genome_store import write_organ
from stem.jsonio import write_json

from conftest import ROOT, requires_isolation

STEM = [sys.executable, "-m", "stem.cli"]


def stem(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(STEM + list(args), cwd=cwd, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, COLUMNS="200"))


def best_fit_bins(capacity: int, sizes: list[int]) -> int:
    """Best Fit, written for this test: the fullest bin that still holds the item, else a new bin."""
    rooms: list[int] = []
    for size in sizes:
        fitting = [r for r in rooms if r >= size]
        if fitting:
            tightest = min(fitting)
            rooms[rooms.index(tightest)] -= size
        else:
            rooms.append(capacity - size)
    return len(rooms)


_uniform, _weibull = random.Random(1), random.Random(2)
INSTANCES = {  # a user's own instances, named as they like (the names become task folder names)
    "OR-like #1": {"capacity": 150, "items": [_uniform.randint(20, 100) for _ in range(60)]},
    "weibull_a": {"capacity": 100, "items": [min(100, max(1, round(_weibull.weibullvariate(45, 3))))
                                             for _ in range(40)]},
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("import")
    (tmp / "instances.json").write_text(json.dumps(INSTANCES))
    proc = stem(tmp, "bench", "import", "--domain", "binpacking", "instances.json", "--out", "tasks", "--json")
    assert proc.returncode == 0, proc.stderr
    return tmp, json.loads(proc.stdout)["tasks"]


def test_import_writes_public_and_private_sides(imported):
    tmp, rows = imported
    assert [r["episode_id"] for r in rows] == ["binpacking-or_like_1", "binpacking-weibull_a"]
    for row, (name, inst) in zip(rows, INSTANCES.items()):
        public = tmp / "tasks" / "public" / row["episode_id"]
        assert sorted(p.name for p in public.iterdir()) == ["instance.json", "manifest.json", "rules.txt"]
        assert json.loads((public / "instance.json").read_text()) == {"capacity": inst["capacity"],
                                                                      "item_count": len(inst["items"])}
        private = json.loads((tmp / "tasks" / "private" / row["episode_id"] / "expected.json").read_text())
        assert private["items"] == inst["items"] and private["reference"] == "learned"
        assert private["lower_bound"] == row["lower_bound"] == math.ceil(sum(inst["items"]) / inst["capacity"])
        assert private["reference_bins"] == row["reference_bins"] >= row["lower_bound"]


def test_bad_instances_and_clobbering_are_one_line_and_write_nothing(imported, tmp_path):
    tmp, _ = imported
    (tmp_path / "bad.json").write_text(json.dumps({"capacity": 10, "items": [3, 11]}))
    bad = stem(tmp_path, "bench", "import", "-d", "binpacking", "bad.json", "-o", "out")
    assert bad.returncode == 2 and "items[1]" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "out").exists()
    other = stem(tmp_path, "bench", "import", "-d", "trading", "bad.json", "-o", "out")
    assert other.returncode == 2 and "binpacking instances only" in other.stderr
    same = stem(tmp, "bench", "import", "-d", "bins", "instances.json", "-o", "tasks")
    assert same.returncode == 0  # the same instances again: the same bytes
    changed = dict(INSTANCES, weibull_a={"capacity": 100, "items": [50, 50]})
    (tmp / "changed.json").write_text(json.dumps(changed))
    clobber = stem(tmp, "bench", "import", "-d", "binpacking", "changed.json", "-o", "tasks")
    assert clobber.returncode == 2 and "a different task already exists" in clobber.stderr
    private = json.loads((tmp / "tasks" / "private" / "binpacking-weibull_a" / "expected.json").read_text())
    assert private["items"] == INSTANCES["weibull_a"]["items"]  # nothing overwritten
    single = tmp_path / "my inst.json"
    single.write_text(json.dumps({"capacity": 10, "items": [3, 7, 5]}))
    one = stem(tmp_path, "bench", "import", "-d", "binpacking", str(single), "-o", "one", "--json")
    assert one.returncode == 0 and json.loads(one.stdout)["tasks"][0]["episode_id"] == "binpacking-my_inst"


@requires_isolation
def test_best_fit_through_infer_reports_exactly_best_fits_bins(imported):
    tmp, rows = imported
    source = (ROOT / "tests" / "fixtures" / "organs" / "best_fit_binpacking_organ.py").read_text()
    ref = write_organ(tmp / "genome", "best_fit.py", source)
    genome = Genome().with_capability(Capability(domain="binpacking", organ=ref, generation=1, train_score=0.9))
    write_json(tmp / "genome" / "cell.json", genome.model_dump())
    for row, inst in zip(rows, INSTANCES.values()):
        proc = stem(tmp, "infer", "--genome", "genome/cell.json", "--task-file", row["task_file"], "--json")
        assert proc.returncode in (0, 1), proc.stderr
        verdict = json.loads(proc.stdout)["verdict"]
        bins = best_fit_bins(inst["capacity"], inst["items"])
        assert verdict["details"]["bins_used"] == bins
        assert verdict["details"]["lower_bound"] == row["lower_bound"]
        assert verdict["details"]["reference_bins"] == row["reference_bins"]
        assert verdict["score"] == pytest.approx(row["lower_bound"] / bins)
        assert verdict["success"] == (bins <= row["reference_bins"]) and (proc.returncode == 0) == verdict["success"]
