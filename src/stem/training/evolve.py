"""Stage 2: generations on the train episodes, one domain after another.

A generation: read the domain's Pareto front and score history, give each of the K candidates a
role (evolution/roles.py), build each role's prompt with its parents' sources and what happened in
their failing episodes, send the requests concurrently (evolution/dispatch.py), gate and evaluate
each answer as it arrives, then commit: candidates, front, genome, scars, and run.json last. A
crash before run.json is written redoes only the unfinished generation on --resume.
"""

from __future__ import annotations

from stem.benchmark import domains as domainlib
from stem.benchmark.episode_model import Episode
from stem.evolution import generation as genlib
from stem.evolution import pareto
from stem.evolution import prompts as promptlib
from stem.evolution import roles as rolelib
from stem.evolution import scars as scarlib
from stem.evolution.dispatch import dispatch
from stem.evolution.transcripts import EpisodeRecord, failing_transcripts
from stem.genome import Capability
from stem.genome_store import load_genome, organ_source
from stem.jsonio import write_json, write_text_atomic
from stem.llm.client import LLMClient
from stem.runlog import gen_dir
from stem.training.shared import RunContext, private_literals, run_organ_ref


def stage2(ctx: RunContext, client: LLMClient, train: dict[str, list[Episode]],
           validation: dict[str, list[Episode]]) -> None:
    ctx.rep.stage(2, f"evolution on train episodes (population {ctx.population}, max {ctx.max_epochs} epochs)")
    forbidden = private_literals([e for d in ctx.domains for e in validation[d]])
    stop_reason = None
    for domain in ctx.domains:
        while stop_reason is None and not ctx.log.read_run()["domain_state"][domain]["done"]:
            stop_reason = generation(ctx, client, domain, train[domain], forbidden)
        if stop_reason:
            break
    usage = client.budget.as_dict()
    state = ctx.log.read_run()
    ctx.log.update_run(progress={"stage": 3, "generation": state["progress"]["generation"]},
                       stage2={"stop_reason": stop_reason or "every domain finished"}, llm_usage=usage)
    ctx.log.event("stage2_done", reason=stop_reason or "every domain finished", usage=usage,
                  calls_saved=state.get("calls_saved", 0))
    if stop_reason:
        ctx.rep.line(f"[yellow]stage 2 stopped early: {stop_reason}[/]")


def parent_views(ctx: RunContext, roles: list[rolelib.Role], front: list[pareto.Member],
                 train: list[Episode]) -> dict[str, promptlib.Parent]:
    """Every organ a role names, with its source and (for repairs) its failing episodes told turn by turn."""
    by_name = {m.organ.name: m for m in front}
    evo = ctx.settings.evolution
    shown = tuple(domainlib.get(train[0].domain).transcript_files)
    out: dict[str, promptlib.Parent] = {}
    for role in roles:
        for name in role.parents:
            if name in out and (role.kind != "repair" or out[name].transcripts):
                continue
            m = by_name[name]
            parent = promptlib.Parent(m, organ_source(ctx.log.path / "genome.json", m.organ))
            if role.kind == "repair":
                root = gen_dir(ctx.log.path, m.generation) / "episodes" / f"c{m.candidate}"
                records = [EpisodeRecord(ep, root / ep.episode_id, m.scores.get(ep.episode_id, 0.0),
                                         ep.episode_id in m.passed_ids) for ep in train]
                parent.transcripts = failing_transcripts(records, shown, evo.transcript_chars, evo.transcript_episodes)
            out[name] = parent
    return out


def generation(ctx: RunContext, client: LLMClient, domain: str, train: list[Episode],
               forbidden: frozenset[str]) -> str | None:
    """Run one generation of `domain`; the reason Stage 2 must stop (budget, endpoint), or None."""
    log, evo = ctx.log, ctx.settings.evolution
    state = log.read_run()
    g = state["progress"]["generation"] + 1
    dstate = state["domain_state"][domain]
    front = [pareto.Member.model_validate(m) for m in state["front"][domain]]
    history = dstate["best_history"]
    stagnating = rolelib.is_stagnating(history, evo.stagnation_generations)
    roles = rolelib.assign(ctx.population, front, g, stagnating)
    scars = [scarlib.Scar.model_validate(s) for s in log.read("phenotypic_scars.json", [])]
    prompts = promptlib.GenerationPrompts(
        ctx.templates, domain, g, train, roles, parent_views(ctx, roles, front, train), front,
        dstate["last_failures"], scars, [r for r in state["rejected"] if r["domain"] == domain],
        stagnating, rolelib.generations_without_gain(history))
    messages = {i: prompts.messages(i) for i in range(1, len(roles) + 1)}
    gdir = gen_dir(log.path, g)
    gdir.mkdir(parents=True, exist_ok=True)
    best_before = pareto.best(front)
    log.event("generation_start", generation=g, domain=domain, stagnating=stagnating,
              roles=[r.as_dict() for r in roles])
    ctx.rep.status(stage="stage2", generation=g, domain=domain, candidates=0, episode="-",
                   best=best_before.score if best_before else 0.0, tokens=client.budget.tokens, usd=client.budget.usd)
    gctx = genlib.GenerationContext(g, domain, train, log.path / "skills", gdir / "episodes", forbidden,
                                    log.blobs, ctx.settings.logs.keep_turns)
    seen: list[genlib.Candidate] = []

    def ask(i: int) -> genlib.Candidate:
        return genlib.propose(client, gctx, i, roles[i - 1], messages[i], prompts.templates["repair_json"])

    def on_answer(cand: genlib.Candidate) -> None:
        if cand.plan is not None:
            genlib.gate(cand, gctx)
            if cand.status != "rejected":
                genlib.evaluate(cand, gctx, ctx.executor)
        seen.append(cand)
        ctx.rep.line(f"gen {g} {domain} candidate {cand.index} ({cand.role.describe()}): {cand.status}"
                     + (f" score={cand.score:.2f} ({cand.passed}/{len(cand.results)} train pass)" if cand.results else "")
                     + (f" - {cand.reason[:140]}" if cand.reason else ""))
        if cand.plan is not None:
            ctx.rep.detail(f"    rationale: {' '.join(cand.plan.rationale.split())}")
        if len(cand.reason) > 140:
            ctx.rep.detail(f"    reason: {cand.reason}")
        ctx.rep.status(stage="stage2", generation=g, domain=domain, candidates=len(seen),
                       best=max([c.score for c in seen] + [best_before.score if best_before else 0.0]),
                       tokens=client.budget.tokens, usd=client.budget.usd)

    scout = evo.scout_first and dstate["epochs"] == 0 and not front
    sent = dispatch(len(roles), ask, on_answer, lambda c: c.all_pass,
                    ctx.settings.llm.concurrency or ctx.population, scout)
    cands = [sent.results[i] for i in sorted(sent.results)]
    stop = next((c.reason for c in cands if c.status in ("llm_error", "not_sent")), None)
    if not any(c.answered for c in cands):
        log.discard_generation(g)
        log.event("generation_aborted", generation=g, reason=stop)
        return stop
    commit(ctx, g, domain, roles, prompts, messages, front, cands, sent.saved, stagnating, client)
    return stop


def lineage_of(role: rolelib.Role, by_name: dict[str, pareto.Member], name: str) -> list[str]:
    """Every ancestor once, oldest first, then the organ itself; a crossover carries both lines."""
    out: list[str] = []
    for parent in role.parents:
        for ancestor in by_name[parent].lineage or [parent]:
            if ancestor not in out:
                out.append(ancestor)
    return out + [name]


def prompt_kept(cand: genlib.Candidate, messages: list[dict], client: LLMClient, g: int, domain: str) -> list[dict] | dict:
    """A candidate's prompt for trace.json: a reference to its record in llm/calls.jsonl (which holds
    the messages once) when the call was recorded there, else the messages themselves."""
    if client.calls_file is not None and cand.requests:
        return {"request_hash": cand.requests[0], "purpose": genlib.call_purpose(g, domain, cand.index, cand.role),
                "chars": sum(len(str(m.get("content", ""))) for m in messages)}
    return messages


def answers_kept(cand: genlib.Candidate, client: LLMClient) -> dict:
    """A candidate's answers for plan.json: whole when no plan came of them (the text is the record of
    what went wrong), else the request hashes of their records in llm/calls.jsonl."""
    if cand.plan is None or client.calls_file is None or not cand.requests:
        return {"raw_answers": cand.raw_answers}
    return {"answer_requests": cand.requests}


def commit(ctx: RunContext, g: int, domain: str, roles: list[rolelib.Role], prompts: promptlib.GenerationPrompts,
           messages: dict[int, list[dict]], front: list[pareto.Member], cands: list[genlib.Candidate],
           saved: list[int], stagnating: bool, client: LLMClient) -> None:
    log, gdir = ctx.log, gen_dir(ctx.log.path, g)
    state = log.read_run()
    by_name = {m.organ.name: m for m in front}
    new_scars = [s for c in cands for s in genlib.scars_of(c, g, domain)]
    rejected = state["rejected"] + [{"generation": g, "domain": domain, "organ": genlib.candidate_name(c, g, domain),
                                     "reason": c.reason} for c in cands if c.status in ("rejected", "llm_failed")]
    evaluated = [c for c in cands if c.status == "evaluated"]
    best = max(evaluated, key=lambda c: (c.score, c.passed, -c.index), default=None)
    outcome: dict[int, str] = {}
    for c in evaluated:
        if c.score <= 0:
            outcome[c.index] = "scored 0: not kept"
            continue
        member = pareto.Member(
            organ=run_organ_ref(c.organ), domain=domain, generation=g, candidate=c.index, role=c.role.kind,
            parents=list(c.role.parents), lineage=lineage_of(c.role, by_name, c.organ.name),
            rationale=c.plan.rationale, scores={r.episode_id: round(r.verdict.score, 6) for r in c.results},
            passed_ids=[r.episode_id for r in c.results if r.verdict.success], failures=genlib.failures_of(c))
        front = pareto.insert(front, member)
        outcome[c.index] = "joined the front" if any(m.organ.name == member.organ.name for m in front) else \
            "dominated: not kept"
    top = pareto.best(front)
    genome = load_genome(log.path / "genome.json")
    if top is not None:
        genome = genome.with_capability(Capability(domain=domain, organ=top.organ, generation=top.generation,
                                                   train_score=top.score, lineage=top.lineage))
    summaries = []
    for c in cands:
        if c.plan is not None:
            write_text_atomic(gdir / "candidates" / f"c{c.index}.py", c.plan.source)
        summaries.append({**c.summary(), "outcome": outcome.get(c.index, c.status)})
    for i in saved:
        unsent = genlib.Candidate(i, roles[i - 1], status="saved",
                                  reason="not requested: an earlier candidate passed every train episode")
        summaries.append({**unsent.summary(), "outcome": "saved"})
    log.write(f"{gdir.name}/plan.json", [{"candidate": c.index, **c.role.as_dict(),
                                          "plan": c.plan.model_dump() if c.plan else None,
                                          **answers_kept(c, client), "status": c.status, "reason": c.reason,
                                          "outcome": outcome.get(c.index, c.status)} for c in cands])
    log.write(f"{gdir.name}/validation.json", [{"candidate": c.index, **(c.report.as_dict() if c.report else
                                                {"ok": None, "rejections": []})} for c in cands])
    log.write(f"{gdir.name}/verdicts.json", {f"c{c.index}": {r.episode_id: r.verdict.model_dump() for r in c.results}
                                             for c in cands}, compact=True)  # the largest file of a generation
    if best is not None:
        write_text_atomic(gdir / "organ.py", best.plan.source)
    log.write(f"{gdir.name}/genome.json", genome.model_dump(mode="json"))
    log.write(f"{gdir.name}/trace.json", {
        "generation": g, "domain": domain, "stagnating": stagnating,
        "prompts": {f"c{c.index}": prompt_kept(c, messages[c.index], client, g, domain) for c in cands},
        "candidates": summaries, "saved": len(saved), "selected": best.organ.name if best else None,
        "front": [{"organ": m.organ.name, "score": round(m.score, 4), "passed": m.passed, "generation": m.generation,
                   "role": m.role, "parents": m.parents} for m in front],
        "llm_usage": client.budget.as_dict()})
    # the commit point: genome, scars, then run.json; a crash before run.json redoes this generation
    write_json(log.path / "genome.json", genome.model_dump(mode="json"))
    write_json(log.path / "phenotypic_scars.json", log.read("phenotypic_scars.json", []) + [s.model_dump() for s in new_scars])
    dstate = dict(state["domain_state"][domain])
    dstate["epochs"] += 1
    dstate["best_history"] = dstate["best_history"] + [round(top.score, 6) if top else 0.0]
    dstate["last_failures"] = genlib.failures_of(best) if best else "; ".join(c.reason for c in cands if c.reason)[:2000]
    if top is not None and top.all_pass:
        dstate["done"] = "all_train_pass"
    elif dstate["epochs"] >= ctx.max_epochs:
        dstate["done"] = "max_epochs"
    log.update_run(progress={"stage": 2, "generation": g}, domain_state={**state["domain_state"], domain: dstate},
                   front={**state["front"], domain: [m.model_dump(mode="json") for m in front]},
                   rejected=rejected, llm_usage=client.budget.as_dict(),
                   calls_saved=state.get("calls_saved", 0) + len(saved))
    log.event("generation_done", generation=g, domain=domain, candidates=summaries, saved=len(saved),
              best=round(top.score, 6) if top else 0.0, done=dstate["done"])
    ctx.rep.status(curve={d: (dstate if d == domain else s)["best_history"] for d, s in state["domain_state"].items()})
