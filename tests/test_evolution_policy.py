"""The generation policy as pure logic: the Pareto front, candidate roles, stagnation, dispatch waves,
transcripts under a character budget, and the probe status an organ observes."""

from __future__ import annotations

import threading

import pytest

from stem.benchmark import domains
from stem.benchmark.episode import EpisodeRunner, build_observation
from stem.evolution import pareto, roles
from stem.evolution.dispatch import dispatch, waves
from stem.evolution.prompts import observation_sample
from stem.evolution.transcripts import EpisodeRecord, failing_transcripts
from stem.genome import OrganRef

EPS = ["e1", "e2", "e3"]


def member(name: str, scores: list[float], generation: int = 1) -> pareto.Member:
    return pareto.Member(organ=OrganRef(name=name, path=f"skills/{name}.py", sha256="0" * 64), domain="d",
                         generation=generation, candidate=1, rationale=f"idea {name}",
                         scores=dict(zip(EPS, scores)), passed_ids=[e for e, s in zip(EPS, scores) if s == 1.0])


def test_front_keeps_a_specialist_beside_a_stronger_generalist():
    generalist = member("general", [1.0, 1.0, 0.2])
    specialist = member("special", [0.1, 0.1, 1.0])  # lower mean, but alone passes e3
    front = pareto.insert(pareto.insert([], generalist), specialist)
    assert [m.organ.name for m in front] == ["general", "special"]
    assert pareto.best(front).organ.name == "general"
    dominated = member("weaker", [0.9, 1.0, 0.2], generation=2)
    assert [m.organ.name for m in pareto.insert(front, dominated)] == ["general", "special"]
    duplicate = member("same_scores", [1.0, 1.0, 0.2], generation=3)
    assert len(pareto.insert(front, duplicate)) == 2
    better = member("better", [1.0, 1.0, 1.0], generation=4)
    assert [m.organ.name for m in pareto.insert(front, better)] == ["better"]


def test_front_is_capped_by_rank():
    front: list[pareto.Member] = []
    for i in range(12):  # each best on its own episode: none dominates another
        scores = {f"x{j}": (1.0 if j == i else 0.05 * i) for j in range(12)}
        m = pareto.Member(organ=OrganRef(name=f"m{i}", path="p", sha256="0" * 64), domain="d", generation=i,
                          candidate=1, scores=scores)
        front = pareto.insert(front, m, cap=5)
    assert len(front) == 5 and [m.organ.name for m in front] == ["m11", "m10", "m9", "m8", "m7"]


def test_roles_mix_repair_crossover_and_immigrant_then_explore_when_stagnating():
    front = [member("general", [1.0, 1.0, 0.2]), member("special", [0.1, 0.1, 1.0])]
    got = roles.assign(3, front, generation=4, stagnating=False)
    assert [r.kind for r in got] == ["repair", "crossover", "immigrant"]
    assert got[0].parents == ("general",) and set(got[1].parents) == {"general", "special"}
    stuck = roles.assign(3, front, generation=5, stagnating=True)
    assert [r.kind for r in stuck] == ["crossover", "immigrant", "crossover"]
    assert all(r.kind != "repair" for r in roles.assign(5, front, 6, stagnating=True))
    assert [r.kind for r in roles.assign(2, [], 1, False)] == ["new_organ", "new_organ"]
    angles = {r.angle for r in roles.assign(3, [], 1, False)}
    assert len(angles) == 3  # each new organ its own exploration angle


def test_one_parent_is_never_repaired_twice_in_a_generation():
    got = roles.assign(4, [member("only", [1.0, 0.5, 0.0])], generation=2, stagnating=False)
    assert [r.kind for r in got] == ["repair", "immigrant", "immigrant", "immigrant"]
    assert len({r.angle for r in got[1:]}) == 3


def test_stagnation_counts_generations_without_a_better_best_score():
    assert roles.generations_without_gain([0.5, 0.7, 0.7, 0.7]) == 2
    assert roles.is_stagnating([0.5, 0.7, 0.7, 0.7], patience=2)
    assert not roles.is_stagnating([0.5, 0.7, 0.7, 0.8], patience=2)
    assert not roles.is_stagnating([0.0, 0.0, 0.0], patience=2)  # nothing to plateau: still no organ
    assert not roles.is_stagnating([0.5, 0.5, 0.5], patience=0)


def test_waves_scout_then_concurrency():
    assert waves(3, 3, scout=True) == [[1], [2, 3]]
    assert waves(3, 3, scout=False) == [[1, 2, 3]]
    assert waves(5, 2, scout=False) == [[1, 2], [3, 4], [5]]
    assert waves(1, 4, scout=True) == [[1]]


def test_dispatch_sends_a_wave_at_once_and_stops_after_a_winning_wave():
    barrier = threading.Barrier(3, timeout=20)  # breaks unless all three asks are in flight together
    asked: list[int] = []
    answered_on: set[str] = set()

    def ask(i: int) -> int:
        asked.append(i)
        if i <= 3:
            barrier.wait()
        return i

    def on_answer(i: int) -> None:
        answered_on.add(threading.current_thread().name)

    out = dispatch(6, ask, on_answer, won=lambda i: i == 2, concurrency=3)
    assert sorted(asked) == [1, 2, 3] and out.saved == [4, 5, 6] and sorted(out.results) == [1, 2, 3]
    assert answered_on == {threading.current_thread().name}  # evaluation stays on the caller's thread


def test_dispatch_hands_a_worker_error_to_the_caller():
    def ask(i: int) -> int:
        raise RuntimeError(f"boom {i}")
    with pytest.raises(RuntimeError, match="boom 1"):
        dispatch(1, ask, lambda r: None, lambda r: False, concurrency=1)


def probing_turn(obs: dict) -> dict:
    """Test agent: probes every delivered candidate (spends a budget early), submits nothing useful."""
    response = {"memory": {}, "trace": [f"turn {obs['turn']}"]}
    if obs["delta"].get("candidates"):
        response["action"] = {"probe": obs["delta"]["candidates"][:4]}
    if obs["final_turn"]:
        response["artifact"] = {"vector": "", "observed": ""}
    return response


def test_budgeted_security_observations_carry_budget_and_probes_left(tmp_path):
    ep = domains.generate("security", 1001, 4)
    budget = ep.manifest.probe_budget
    assert budget is not None
    first = build_observation(ep, 1, {})
    assert first["delta"]["probe_status"] == {"budget": budget, "per_turn_limit": 4, "used": 0, "left": budget}
    EpisodeRunner(ep, tmp_path).run(probing_turn)
    import json
    statuses = [json.loads((tmp_path / f"turn_{t.turn:02d}_observation.json").read_text())["delta"]["probe_status"]
                for t in ep.manifest.turns]
    assert statuses[1]["left"] == budget and statuses[2]["used"] == 4 and statuses[2]["left"] == budget - 4
    assert statuses[-1]["left"] == 0
    unlimited = build_observation(domains.generate("security", 1000, 1), 1, {})
    assert unlimited["delta"]["probe_status"]["budget"] is None and unlimited["delta"]["probe_status"]["left"] is None
    assert "probe_status" not in build_observation(domains.generate("trading", 1000, 1), 1, {})["delta"]
    assert '"probe_status"' in ep.public_files["rules.txt"]  # the rules say where it arrives


def test_transcripts_show_what_happened_and_respect_the_budget(tmp_path):
    records = []
    for seed in (1001, 1002, 1003):
        ep = domains.generate("security", seed, 4)
        result = EpisodeRunner(ep, tmp_path / ep.episode_id).run(probing_turn)
        records.append(EpisodeRecord(ep, tmp_path / ep.episode_id, result.verdict.score, result.verdict.success))
    full = failing_transcripts(records, ("target.py",), budget_chars=100_000, max_episodes=3)
    first = records[0].episode
    assert f"EPISODE {first.episode_id}" in full and "environment ran target(" in full
    assert "probe budget of" in full and "FAILED" in full
    assert f"--- target.py (in full) ---\n{first.public_files['target.py'].rstrip()}\n--- end of target.py ---" in full
    assert "delta.candidates = list of" in full and "failing checks:" in full
    small = failing_transcripts(records, ("target.py",), budget_chars=1500, max_episodes=3)
    target_chars = sum(len(r.episode.public_files["target.py"]) + 60 for r in records)
    assert len(small) <= 1500 + target_chars + 400
    assert "[… transcript cut here:" in small and "more failing episodes not shown" in small
    one = failing_transcripts(records, ("target.py",), budget_chars=100_000, max_episodes=1)
    assert "[… 2 more failing episodes not shown (evolution.transcript_episodes = 1)]" in one


def test_observation_sample_is_a_real_observation_truncated_visibly():
    ep = domains.generate("trading", 1003, 4)
    text = observation_sample(ep, limit=100_000)
    assert '"market_rows"' in text and '"tick":' in text and "more items]" in text
    assert '"rules": "<the DOMAIN RULES text above>"' in text
    assert len(observation_sample(ep, limit=800)) < 900 and "[… sample cut:" in observation_sample(ep, limit=800)


def test_stop_rules_for_pass_and_climb():
    from stem.evolution.outcome import StopRule, domain_done
    passing = member("passes", [1.0, 1.0, 1.0])
    passing_imperfect = passing.model_copy(update={"scores": {"e1": 1.0, "e2": 0.9, "e3": 0.95}})
    assert passing_imperfect.all_pass and not passing_imperfect.perfect
    pass_rule, climb_rule = StopRule("pass", 10, 3, 0.001), StopRule("climb", 10, 3, 0.001)
    assert domain_done(passing_imperfect, [0.95], 1, pass_rule) == "all_train_pass"
    assert domain_done(passing_imperfect, [0.95], 1, climb_rule) is None  # a pass is no reason to stop climbing
    assert domain_done(passing, [1.0], 1, climb_rule) == "all_train_perfect"
    # gains of at most min_delta do not count: three generations after 0.95 without a real gain
    assert domain_done(passing_imperfect, [0.95, 0.9505, 0.951, 0.9509], 4, climb_rule) == "patience"
    assert domain_done(passing_imperfect, [0.95, 0.9505, 0.96, 0.9609], 4, climb_rule) is None
    assert domain_done(None, [0.0] * 10, 10, pass_rule) == "max_epochs"
    assert roles.generations_without_gain([0.5, 0.5004, 0.6], 0.001) == 0
    assert roles.generations_without_gain([0.5, 0.5004, 0.5008], 0.001) == 2


def test_near_misses_are_revised_first_and_once():
    front = [member("a", [1.0, 0.0, 0.5])]
    got = roles.assign(3, front, 4, False, ["near_1"])
    assert [r.kind for r in got] == ["revise", "repair", "immigrant"] and got[0].parents == ("near_1",)
    assert [r.kind for r in roles.assign(2, [], 1, False, ["n1", "n2", "n3"])] == ["revise", "revise"]


def test_mechanical_rejections_are_near_misses_and_approaches_are_not():
    from stem.evolution.near_miss import is_near_miss, salvage_source
    from stem.runtime.validator import MAX_BYTES, validate
    organ = "def run(observation):\n    return {'trace': ['x'], 'memory': {}}\n"
    assert is_near_miss(validate(organ + "#" * MAX_BYTES))  # too large
    assert is_near_miss(validate(organ + "def f(o):\n    return getattr(o, 'x')\n"))  # one banned name
    assert is_near_miss(validate(organ + "def f(:\n"))  # a syntax error
    assert is_near_miss(validate("import numpy\n" + organ))  # an import the allowlist lacks, on one line
    assert not is_near_miss(validate("import socket\n" + organ))  # network: the approach itself
    assert not is_near_miss(validate(organ + "def f():\n    return open('x').read()\n"))  # files
    assert not is_near_miss(validate(organ + "def f():\n    return eval('1')\n"))  # running code
    many = organ + "".join(f"def f{i}(o):\n    return getattr(o, 'x')\n" for i in range(8))
    assert not is_near_miss(validate(many))  # eight rejected lines: a different organ, not a near miss
    cut = '{"organ_name": "x_organ", "rationale": "r", "source": "def run(observation):\\n    return {\\"trace\\": [1'
    assert salvage_source(cut) == 'def run(observation):\n    return {"trace": [1'
    assert salvage_source('{"organ_name": "x"') is None


def test_edits_apply_exactly_once_or_refuse_with_the_edit_named():
    from stem.evolution.edits import EditMismatch, apply_edits
    from stem.genome import Edit, TransformationPlan
    base = "a = 1\nb = 2\nb = 2\n"
    assert apply_edits(base, [Edit(search="a = 1", replace="a = 3"), Edit(search="a = 3\nb", replace="c")]) == \
        "c = 2\nb = 2\n"
    with pytest.raises(EditMismatch, match="edit 1 of 1: .* occurs 2 times"):
        apply_edits(base, [Edit(search="b = 2", replace="x")])
    with pytest.raises(EditMismatch, match="edit 2 of 2: .* does not occur"):
        apply_edits(base, [Edit(search="a = 1", replace="z"), Edit(search="a = 1", replace="y")])
    with pytest.raises(ValueError, match="exactly one of 'source'"):
        TransformationPlan(organ_name="abc", domain="trading_floor", rationale="r" * 10, source="x" * 40,
                           edits=[Edit(search="a", replace="b")])
