"""Genome models and files: sha256 pinning, cumulative capabilities, clear errors, domain aliases."""

from __future__ import annotations

import json

import pytest

from stem.benchmark.domains import domain_names
from stem.errors import StemError
from stem.genome import Capability, Genome
from stem.genome_store import load_genome, publish_cell, write_organ

from conftest import ROOT

SRC = "def run(observation):\n    return {'trace': ['x']}\n"


def _genome(tmp_path, domain="trading_floor", source=SRC):
    ref = write_organ(tmp_path / "skills", f"{domain}_organ.py", source)
    ref = ref.model_copy(update={"path": f"skills/{ref.path}"})
    return Genome().with_capability(Capability(domain=domain, organ=ref, generation=1, train_score=1.0,
                                               lineage=[ref.name]))


def test_stem_cell_ships_without_organs():
    genome = load_genome(ROOT / "genomes" / "stem_cell.json")
    assert genome.capabilities == {} and genome.name == "stem_cell"


def test_learning_is_cumulative(tmp_path):
    g = _genome(tmp_path)
    other = _genome(tmp_path, "matrix_database").capabilities["matrix_database"]
    g2 = g.with_capability(other)
    assert sorted(g2.capabilities) == ["matrix_database", "trading_floor"]
    assert g2.with_capability(other).capabilities["trading_floor"] == g.capabilities["trading_floor"]


def test_save_and_load_round_trip_with_hash_check(tmp_path):
    g = _genome(tmp_path)
    (tmp_path / "g.json").write_text(g.model_dump_json())
    saved = publish_cell(g, tmp_path / "g.json", tmp_path / "out" / "mature.json", "test")
    assert load_genome(tmp_path / "out" / "mature.json") == saved
    organ = tmp_path / "out" / saved.capabilities["trading_floor"].organ.path
    organ.write_text(SRC + "# tampered\n")
    with pytest.raises(StemError, match="does not match its sha256"):
        load_genome(tmp_path / "out" / "mature.json")
    organ.unlink()
    with pytest.raises(StemError, match="is missing"):
        load_genome(tmp_path / "out" / "mature.json")


def test_malformed_genome_names_the_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "stem-genome/1", "capabilities": {"x": {"domain": "x"}}}))
    with pytest.raises(StemError, match=r"field 'capabilities\.x\.organ'"):
        load_genome(path)
    path.write_text("{")
    with pytest.raises(StemError, match="not valid JSON"):
        load_genome(path)


def test_domain_aliases():
    assert domain_names("all") == ["binpacking", "matrix_database", "security_sandbox", "trading_floor"]
    assert domain_names("sec, graph,security") == ["security_sandbox", "matrix_database"]
    assert domain_names("trade") == ["trading_floor"] and domain_names("graph") == ["matrix_database"]
    with pytest.raises(StemError, match="unknown domain"):
        domain_names("biology")


def test_held_out_literals_exclude_public_knowledge():
    from stem.benchmark import domains
    from stem.training import private_literals
    trade = domains.generate("trading", 5000, 3)
    sec = domains.generate("security", 5000, 1)
    banned = private_literals([trade, sec])
    assert trade.private["expected"]["final_cash"] in banned          # only the solver knows it
    assert "PROTECTED" not in banned                                  # named in the public rules
    assert sec.private["expected"]["vector"] not in banned            # a public candidate line
