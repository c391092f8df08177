"""Stage 2: generations on the train episodes, one domain after another.

A generation: read the domain's Pareto front, near misses and score history, give each of the K
candidates a role (evolution/roles.py), build each role's prompt with its parents' sources and what
happened in their failing episodes, send the requests concurrently (evolution/dispatch.py), gate and
evaluate each answer as it arrives, let evolution/outcome.py decide what the generation changed,
then write it: candidates, front, genome, scars, and run.json last. A crash before run.json is
written redoes only the unfinished generation on --resume.
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
from stem.evolution.outcome import GenerationOutcome, decide, won
from stem.evolution.transcripts import EpisodeRecord, failing_transcripts
from stem.genome import Capability
from stem.genome_store import load_genome, organ_source
from stem.jsonio import write_json, write_text_atomic
from stem.llm.client import LLMClient
from stem.run_models import DomainState, NearMiss
from stem.runlog import candidate_file, gen_dir
from stem.training import experience
from stem.training.shared import RunContext, private_literals, stop_rule


def stage2(ctx: RunContext, client: LLMClient, train: dict[str, list[Episode]],
           validation: dict[str, list[Episode]]) -> None:
    ctx.rep.stage(2, f"evolution on train episodes (population {ctx.population}, max {ctx.max_epochs} epochs)")
    forbidden = private_literals([e for d in ctx.domains for e in validation[d]])  # = held_out_literals()
    secret = experience.secrets(train, validation, forbidden)
    lessons = experience.lessons_snapshot(ctx, secret)
    experience.warm_start(ctx, train, forbidden)
    stop_reason = None
    for domain in ctx.domains:
        while stop_reason is None and not ctx.log.read_run()["domain_state"][domain]["done"]:
            stop_reason = generation(ctx, client, domain, train[domain], forbidden, lessons.get(domain, []), secret)
        if stop_reason:
            break
    usage = client.budget.as_dict()
    state = ctx.log.read_run()
    ctx.log.update_run(progress={"stage": 3, "generation": state["progress"]["generation"]},
                       stage2={"stop_reason": stop_reason or "every domain finished",
                               "domains": {d: s["done"] for d, s in state["domain_state"].items()}},
                       llm_usage=usage)
    ctx.log.event("stage2_done", reason=stop_reason or "every domain finished", usage=usage,
                  calls_saved=state.get("calls_saved", 0))
    if stop_reason:
        ctx.rep.line(f"[yellow]stage 2 stopped early: {stop_reason}[/]")


def parent_views(ctx: RunContext, roles: list[rolelib.Role], front: list[pareto.Member],
                 train: list[Episode]) -> dict[str, promptlib.Parent]:
    """Every front organ a role names, with its source and (for repairs) its failing episodes told turn by turn."""
    by_name = {m.organ.name: m for m in front}
    evo = ctx.settings.evolution
    shown = tuple(domainlib.get(train[0].domain).transcript_files)
    sample = promptlib.sample_episode(train)  # its decisive files are shown whole once in every prompt
    seen = {sample.public_files[n]: f"{n} in the PUBLIC FILES section above" for n in shown if n in sample.public_files}
    out: dict[str, promptlib.Parent] = {}
    for role in roles:
        for name in role.parents:
            if name not in by_name or (name in out and (role.kind != "repair" or out[name].transcripts)):
                continue
            m = by_name[name]
            parent = promptlib.Parent(m, organ_source(ctx.log.path / "genome.json", m.organ))
            if role.kind == "repair":
                root = gen_dir(ctx.log.path, m.generation) / "episodes" / f"c{m.candidate}"
                records = [EpisodeRecord(ep, root / ep.episode_id, m.scores.get(ep.episode_id, 0.0),
                                         ep.episode_id in m.passed_ids) for ep in train]
                parent.transcripts = failing_transcripts(records, shown, evo.transcript_chars, evo.transcript_episodes,
                                                         seen)
            out[name] = parent
    return out


def revision_views(ctx: RunContext, near: list[NearMiss]) -> dict[str, promptlib.Revision]:
    return {n.organ: promptlib.Revision(n, (ctx.log.path / n.source_file).read_text(encoding="utf-8")) for n in near}


def base_source(role: rolelib.Role, parents: dict[str, promptlib.Parent],
                revisions: dict[str, promptlib.Revision]) -> str | None:
    """The source an answer's edits apply to: a repair's parent, a revised near miss (never a cut-off one)."""
    if role.kind == "repair":
        return parents[role.parents[0]].source
    if role.kind == "revise":
        r = revisions[role.parents[0]]
        return r.source if r.near_miss.kind == "validator" else None
    return None


def generation(ctx: RunContext, client: LLMClient, domain: str, train: list[Episode],
               forbidden: frozenset[str], lessons: list | None = None,
               secret: experience.lessonlib.Secrets | None = None) -> str | None:
    """Run one generation of `domain`; the reason Stage 2 must stop (budget, endpoint), or None.
    The Director (when due) speaks before the prompts are built; the Critic and the lesson call
    look at what `decide()` concluded, before the commit writes it."""
    log, evo = ctx.log, ctx.settings.evolution
    state = log.read_run()
    g = state["progress"]["generation"] + 1
    dstate = DomainState.model_validate(state["domain_state"][domain])
    front = [pareto.Member.model_validate(m) for m in state["front"][domain]]
    near = [NearMiss.model_validate(n) for n in (state.get("near_misses") or {}).get(domain, [])]
    history = dstate.best_history
    stagnating = rolelib.is_stagnating(history, evo.stagnation_generations)
    roles = rolelib.assign(ctx.population, front, g, stagnating, [n.organ for n in near])
    scars = [scarlib.Scar.model_validate(s) for s in log.read("phenotypic_scars.json", [])]
    parents = parent_views(ctx, roles, front, train)
    revisions = revision_views(ctx, [n for n in near if any(r.parents == (n.organ,) for r in roles)])
    rejected = [r for r in state["rejected"] if r["domain"] == domain]
    gx = experience.GenerationExperience()
    experience.director_step(ctx, client, domain, g, dstate, front, scars, rejected, train, stagnating, gx)
    if gx.stop:
        log.event("generation_not_started", generation=g, domain=domain, reason=gx.stop)
        return gx.stop
    rule = stop_rule(ctx, dstate)
    objective = promptlib.Objective(rule, domainlib.get(domain).score_rule)
    prompts = promptlib.GenerationPrompts(
        ctx.templates, domain, g, train, roles, parents, front, dstate.last_failures, scars,
        rejected, stagnating, rolelib.generations_without_gain(history),
        objective, revisions, max_answer_chars=ctx.settings.llm.max_answer_chars,
        experience=experience.experience_for(ctx, domain, g, dstate, front, scars, lessons or [], gx))
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
        role = roles[i - 1]
        return genlib.propose(client, gctx, i, role, messages[i], prompts.templates["repair_json"],
                              base_source(role, parents, revisions))

    def on_answer(cand: genlib.Candidate) -> None:
        if cand.source is not None and cand.status == "pending":
            genlib.gate(cand, gctx)
            if cand.status != "rejected":
                genlib.evaluate(cand, gctx, ctx.executor)
        seen.append(cand)
        ctx.rep.line(f"gen {g} {domain} candidate {cand.index} ({cand.role.describe()}): {cand.status}"
                     + (f" score={cand.score:.4f} ({cand.passed}/{len(cand.results)} train pass)" if cand.results else "")
                     + (f" - {cand.reason[:140]}" if cand.reason else ""))
        if cand.plan is not None:
            ctx.rep.detail(f"    rationale: {' '.join(cand.plan.rationale.split())}")
        if len(cand.reason) > 140:
            ctx.rep.detail(f"    reason: {cand.reason}")
        ctx.rep.status(stage="stage2", generation=g, domain=domain, candidates=len(seen),
                       best=max([c.score for c in seen] + [best_before.score if best_before else 0.0]),
                       tokens=client.budget.tokens, usd=client.budget.usd)

    scout = evo.scout_first and dstate.epochs == 0 and not front
    sent = dispatch(len(roles), ask, on_answer, lambda c: won(c, dstate.objective),
                    ctx.settings.llm.concurrency or ctx.population, scout)
    cands = [sent.results[i] for i in sorted(sent.results)]
    stop = stop_reason(cands)
    if not any(c.answered for c in cands):
        log.discard_generation(g)
        log.event("generation_aborted", generation=g, reason=stop)
        return stop
    outcome = decide(g, domain, roles, front, cands, sent.saved, dstate, rule)
    experience.critic_step(ctx, client, g, domain, best_before, outcome, train, gx)
    experience.lesson_step(ctx, client, g, domain, cands, front, dstate, outcome, scars, train,
                           secret or experience.lessonlib.Secrets(), gx)
    commit(ctx, g, domain, stagnating, messages, cands, outcome, len(sent.saved), client, gx)
    return stop or gx.stop


def stop_reason(cands: list[genlib.Candidate]) -> str | None:
    """Stage 2 stops when the budget refused a request, or when every request of the generation
    failed at the endpoint; one candidate's failed or empty answer is that candidate's scar."""
    budget = next((c.reason for c in cands if c.status == "not_sent"), None)
    if budget:
        return budget
    sent = [c for c in cands if c.status != "saved"]
    if sent and all(c.status == "llm_error" for c in sent):
        return sent[0].reason
    return None


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


def commit(ctx: RunContext, g: int, domain: str, stagnating: bool, messages: dict[int, list[dict]],
           cands: list[genlib.Candidate], outcome: GenerationOutcome, saved: int, client: LLMClient,
           gx: experience.GenerationExperience | None = None) -> None:
    """Write what `decide()` concluded (and what the experience calls answered): the generation's
    files, the lessons into the store, then genome, scars and run.json."""
    gx = gx or experience.GenerationExperience()
    log, gdir = ctx.log, gen_dir(ctx.log.path, g)
    state = log.read_run()
    genome = load_genome(log.path / "genome.json")
    if outcome.top is not None:
        top = outcome.top
        genome = genome.with_capability(Capability(domain=domain, organ=top.organ, generation=top.generation,
                                                   train_score=top.score, lineage=top.lineage))
    for c in cands:
        if c.source is not None:
            write_text_atomic(log.path / candidate_file(g, c.index), c.source)
        if c.salvaged is not None:
            write_text_atomic(log.path / candidate_file(g, c.index, partial=True), c.salvaged)
    log.write(f"{gdir.name}/plan.json", [{"candidate": c.index, **c.role.as_dict(),
                                          "plan": c.plan.model_dump() if c.plan else None,
                                          **answers_kept(c, client), "status": c.status, "reason": c.reason,
                                          "outcome": outcome.outcomes.get(c.index, c.status)} for c in cands])
    log.write(f"{gdir.name}/validation.json", [{"candidate": c.index, **(c.report.as_dict() if c.report else
                                                {"ok": None, "rejections": []})} for c in cands])
    log.write(f"{gdir.name}/verdicts.json", {f"c{c.index}": {r.episode_id: r.verdict.model_dump() for r in c.results}
                                             for c in cands}, compact=True)  # the largest file of a generation
    if outcome.selected is not None:
        write_text_atomic(gdir / "organ.py", outcome.selected.source)
    log.write(f"{gdir.name}/genome.json", genome.model_dump(mode="json"))
    log.write(f"{gdir.name}/trace.json", {
        "generation": g, "domain": domain, "stagnating": stagnating,
        "prompts": {f"c{c.index}": prompt_kept(c, messages[c.index], client, g, domain) for c in cands},
        "candidates": outcome.summaries, "saved": saved,
        "selected": outcome.selected.organ.name if outcome.selected else None,
        "front": [{"organ": m.organ.name, "score": round(m.score, 4), "passed": m.passed, "generation": m.generation,
                   "role": m.role, "parents": m.parents} for m in outcome.front],
        "near_misses": [n.organ for n in outcome.near_misses],
        "experience": gx.summary(),
        "llm_usage": client.budget.as_dict()})
    changes = experience.write(ctx, g, domain, gx, state)
    # the commit point: genome, scars, then run.json; a crash before run.json redoes this generation
    write_json(log.path / "genome.json", genome.model_dump(mode="json"))
    write_json(log.path / "phenotypic_scars.json",
               log.read("phenotypic_scars.json", []) + [s.model_dump() for s in outcome.scars])
    dstate = outcome.state.model_dump(mode="json")
    log.update_run(progress={"stage": 2, "generation": g}, domain_state={**state["domain_state"], domain: dstate},
                   front={**state["front"], domain: [m.model_dump(mode="json") for m in outcome.front]},
                   near_misses={**(state.get("near_misses") or {}),
                                domain: [n.model_dump(mode="json") for n in outcome.near_misses]},
                   rejected=state["rejected"] + [r.model_dump(mode="json") for r in outcome.rejected],
                   llm_usage=client.budget.as_dict(), calls_saved=state.get("calls_saved", 0) + saved, **changes)
    top_score = round(outcome.top.score, 6) if outcome.top else 0.0
    log.event("generation_done", generation=g, domain=domain, candidates=outcome.summaries, saved=saved,
              best=top_score, done=dstate["done"])
    ctx.rep.status(curve={d: (dstate if d == domain else s)["best_history"] for d, s in state["domain_state"].items()})
    if dstate["done"]:
        ctx.rep.line(f"{domain}: done after generation {g} ({dstate['done']}, best mean train score {top_score:.4f})")
