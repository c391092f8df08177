"""Experience in a run: the lessons a run starts with, the warm start from a genome, and the three
calls that look at a generation: the Director (before it), the Critic and the lesson call (after
`decide()`, before the commit). Each call is one recorded, budgeted, replayable LLM call through the
run's client; a failed, empty or unparseable answer is one warning and the run goes on; a budget
cap stops Stage 2 as for any other call. What each call is shown and how its answer is read lives
in evolution/ (director.py, critic.py, lessons.py); this module makes the calls and keeps the files.

Lessons are read once per run (snapshot in <run>/lessons_used.json, which a resume and a replay
reuse, so the prompts never change under a run) and written to the store after each generation
with a clear outcome. A replay writes none: it repeats a run, it adds no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stem.benchmark import domains as domainlib
from stem.benchmark.episode_model import Episode
from stem.evolution import critic as criticlib
from stem.evolution import director as directorlib
from stem.evolution import lessons as lessonlib
from stem.evolution import pareto
from stem.evolution import prompts as promptlib
from stem.evolution import roles as rolelib
from stem.evolution import scars as scarlib
from stem.evolution.experience import Experience
from stem.evolution.generation import Candidate
from stem.evolution.outcome import GenerationOutcome, domain_done
from stem.genome import Capability, Genome
from stem.genome_store import load_genome, organ_source, write_organ
from stem.jsonio import write_json, write_text_atomic
from stem.llm.budget import BudgetExceeded
from stem.llm.client import LLMClient
from stem.llm.retry import LLMError
from stem.llm.structured import ask_structured
from stem.lessons_store import append as append_lessons
from stem.lessons_store import load as load_lessons
from stem.run_models import (CriticReview, DirectorNote, DomainState, ExperienceSwitches, Member, WarmOrgan,
                             WarmStart)
from stem.runlog import RunLog, gen_dir, gen_name, run_organ_ref
from stem.runtime.validator import validate
from stem.training.shared import RunContext, stop_rule

LESSONS_USED = "lessons_used.json"
FROM_GENOME = f"{gen_name(0)}/from_genome.json"  # the warm start's organs, as this run used them


def switches(ctx: RunContext) -> ExperienceSwitches:
    raw = ctx.log.read_run().get("experience")
    return ExperienceSwitches.model_validate(raw) if raw else ExperienceSwitches(lessons=False, director_every=0,
                                                                                  critic=False)


def warn(ctx: RunContext, text: str) -> None:
    """One warning line (printed and in events.jsonl); the run goes on."""
    ctx.rep.line(f"warning: {text}")
    ctx.log.event("experience_warning", message=text)


def _replay_source(ctx: RunContext) -> Path | None:
    r = ctx.opts.replay_from
    if r is None:
        return None
    source = r if r.is_dir() else r.parent.parent
    return source if (source / "run.json").is_file() else None


def secrets(train: dict[str, list[Episode]], validation: dict[str, list[Episode]],
            literals: frozenset[str]) -> lessonlib.Secrets:
    return lessonlib.Secrets(held_ids=frozenset(e.episode_id for eps in validation.values() for e in eps),
                             literals=literals,
                             train_ids=frozenset(e.episode_id for eps in train.values() for e in eps))


# ---------------------------------------------------------------- the lessons a run starts with
def lessons_snapshot(ctx: RunContext, secret: lessonlib.Secrets) -> dict[str, list[lessonlib.Lesson]]:
    """The lessons this run's prompts may carry, per domain: read once (resume and replay reuse the
    recorded snapshot); leaking lessons are dropped here too, against this run's own splits."""
    log = ctx.log
    recorded = log.read(LESSONS_USED)
    replay = _replay_source(ctx)
    if recorded is None and replay is not None and (replay / LESSONS_USED).is_file():
        recorded = RunLog(replay).read(LESSONS_USED)
        recorded = {**recorded, "source": f"the replayed run {replay.name}"}
    if recorded is None:
        recorded = {"source": "store" if switches(ctx).lessons else "off (--lessons off)", "domains": {},
                    "warnings": [], "dropped": []}
        if switches(ctx).lessons:
            for domain in ctx.domains:
                found, warning = load_lessons(ctx.settings.path("genomes"), domain)
                if warning:
                    warn(ctx, warning)
                    recorded["warnings"].append(warning)
                    recorded.setdefault("damaged", []).append(domain)  # left as it is: nothing appended to it
                kept, dropped = lessonlib.keep(found, secret)
                recorded["domains"][domain] = [lesson.model_dump(mode="json") for lesson in kept]
                recorded["dropped"] += dropped
        log.write(LESSONS_USED, recorded)
    elif not log.path.joinpath(LESSONS_USED).is_file():
        log.write(LESSONS_USED, recorded)
    out = {}
    for domain, items in (recorded.get("domains") or {}).items():
        lessons = [lessonlib.Lesson.model_validate(x) for x in items]
        out[domain], _ = lessonlib.keep(lessons, secret)
    total = sum(len(v) for v in out.values())
    if total:
        ctx.rep.line(f"lessons: {total} from earlier runs ({', '.join(f'{d} {len(v)}' for d, v in out.items() if v)})")
    return out


# ---------------------------------------------------------------- warm start
def warm_start_genome(ctx: RunContext) -> Path | None:
    """The genome the run starts its fronts from: --from, or in a replay the recorded run's copy."""
    if ctx.opts.from_genome is not None:
        return ctx.opts.from_genome
    replay = _replay_source(ctx)
    if replay is not None and (replay / FROM_GENOME).is_file():
        return replay / FROM_GENOME
    recorded = switches(ctx).warm_start_from  # a resumed run that had not started its fronts yet
    return Path(recorded) if recorded and replay is None else None


def warm_start(ctx: RunContext, train: dict[str, list[Episode]], forbidden: frozenset[str]) -> None:
    """Each of the genome's organs for a trained domain, evaluated on the train episodes (no LLM
    call) and put on the domain's front as generation 0: generation 1 repairs it."""
    source_path = warm_start_genome(ctx)
    log = ctx.log
    if source_path is None or log.read_run().get("warm_start") is not None:
        return
    genome = load_genome(source_path)
    shown = str(ctx.opts.from_genome or log.read_run()["experience"].get("warm_start_from") or source_path)
    record = WarmStart(genome=shown)
    copy = Genome(name="warm_start", notes=f"the organs {log.path.name} started from ({shown})")
    run_genome = load_genome(log.path / "genome.json")
    state = log.read_run()
    fronts, dstates = dict(state["front"]), dict(state["domain_state"])
    for domain in ctx.domains:
        cap = genome.capabilities.get(domain)
        if cap is None:
            record.missing.append(domain)
            ctx.rep.line(f"warm start: {shown} has no organ for {domain}; {domain} starts from scratch")
            log.event("warm_start", domain=domain, genome=shown, organ=None)
            continue
        text = organ_source(source_path, cap.organ)
        name = f"{domain}__g000c1__{cap.organ.name.split('__')[-1]}"
        ref = write_organ(log.path / "skills", f"{name}.py", text)
        copy = copy.with_capability(cap.model_copy(update={"organ": ref.model_copy(update={"path": f"../skills/{ref.path}"})}))
        lineage = [n for n in (cap.lineage or [cap.organ.name]) if n != name] + [name]
        report = validate(text, forbidden)
        if not report.ok:
            note = f"refused by the validator ({report.summary(2)}); {domain} starts from scratch"
            record.domains[domain] = WarmOrgan(organ=name, original=cap.organ.name, lineage=lineage, score=0.0,
                                               passed=0, episodes=0, kept=False, note=note)
            ctx.rep.line(f"warm start: {cap.organ.name} {note}")
            log.event("warm_start", domain=domain, genome=shown, organ=name, kept=False, note=note)
            continue
        eps = train[domain]
        results = ctx.executor.run({domain: text}, eps, lambda ep: gen_dir(log.path, 0) / "episodes" / "c1" / ep.episode_id)
        member = Member(organ=run_organ_ref(ref), domain=domain, generation=0, candidate=1, role="warm_start",
                        lineage=lineage, origin=shown, rationale=f"warm start: {cap.organ.name} from {shown}",
                        scores={r.episode_id: round(r.verdict.score, 6) for r in results},
                        passed_ids=[r.episode_id for r in results if r.verdict.success],
                        failures=promptlib.failures_text(results))
        kept = member.score > 0
        note = "" if kept else f"it scores 0 on every train episode; {domain} starts from scratch"
        record.domains[domain] = WarmOrgan(organ=name, original=cap.organ.name, lineage=lineage,
                                           score=round(member.score, 6), passed=member.passed,
                                           episodes=member.episodes, kept=kept, note=note)
        ctx.rep.line(f"warm start: {cap.organ.name} from {shown} on {domain}: mean train score {member.score:.4f}, "
                     f"passes {member.passed}/{member.episodes}" + (f"; {note}" if note else ""))
        log.event("warm_start", domain=domain, genome=shown, organ=name, original=cap.organ.name, kept=kept,
                  score=round(member.score, 6), passed=member.passed)
        if not kept:
            continue
        fronts[domain] = [m.model_dump(mode="json") for m in pareto.insert([], member)]
        run_genome = run_genome.with_capability(Capability(domain=domain, organ=member.organ, generation=0,
                                                           train_score=member.score, lineage=lineage))
        dstate = DomainState.model_validate(dstates[domain])
        done = domain_done(member, [], 0, stop_rule(ctx, dstate))
        dstates[domain] = dstate.model_copy(update={"done": done, "last_failures": member.failures}).model_dump(mode="json")
        if done:
            ctx.rep.line(f"{domain}: done before generation 1 ({done}): the warm-start organ already meets the objective")
    write_json(gen_dir(log.path, 0) / "warm_start.json", record.model_dump(mode="json"))
    write_json(log.path / FROM_GENOME, copy.model_dump(mode="json"))
    write_json(log.path / "genome.json", run_genome.model_dump(mode="json"))
    log.update_run(front=fronts, domain_state=dstates, warm_start=record.model_dump(mode="json"))


# ---------------------------------------------------------------- per generation
@dataclass
class GenerationExperience:
    """What the experience calls of one generation produced, written by the commit."""
    director: str | None = None  # new guidance for this generation (director.md)
    director_reason: str = ""
    director_status: str = "not due"
    review: CriticReview | None = None
    lessons: list[lessonlib.LessonEntry] = field(default_factory=list)
    lesson_record: dict = field(default_factory=dict)
    stop: str | None = None  # a budget cap reached by one of these calls

    def summary(self) -> dict:
        return {"director": {"status": self.director_status, "reason": self.director_reason},
                "critic": ({"organ": self.review.organ, "status": self.review.status, "suspect": self.review.suspect,
                            "findings": len(self.review.findings)} if self.review else {"status": "not due"}),
                "lessons": {**{k: v for k, v in self.lesson_record.items() if k != "dropped"},
                            "written": len(self.lessons)}}


def _plain(ctx: RunContext, client: LLMClient, messages: list[dict], purpose: str) -> tuple[str | None, str]:
    """A plain-text answer, or None and why not. BudgetExceeded propagates."""
    try:
        answer = client.complete(messages, purpose=purpose, json_mode=False)
    except LLMError as exc:
        return None, f"no answer ({exc})"
    return answer.text, ""


def director_step(ctx: RunContext, client: LLMClient, domain: str, g: int, dstate: DomainState,
                  front: list[Member], scars: list[scarlib.Scar], rejected: list[dict], train: list[Episode],
                  stagnating: bool, gx: GenerationExperience) -> None:
    sw = switches(ctx)
    reason = directorlib.due(dstate.best_history, sw.director_every, ctx.settings.evolution.stagnation_generations)
    if reason is None:
        return
    state = directorlib.DirectorState(
        domain, g, reason, train, front, dstate.best_history, stagnating, scars, rejected,
        directorlib.budget_text(client.budget.as_dict(), client.budget.caps), dstate.objective)
    gx.director_reason = reason
    try:
        text, why = _plain(ctx, client, directorlib.messages(ctx.templates, state), f"gen{g:03d}:{domain}:director")
    except BudgetExceeded as exc:
        gx.director_status, gx.stop = "not_sent", exc.reason
        return
    guidance = directorlib.guidance(text) if text is not None else None
    if guidance is None:
        gx.director_status = "failed"
        warn(ctx, f"generation {g} {domain}: the Director gave no guidance: {why or 'an empty answer'}")
        return
    gx.director, gx.director_status = guidance, "answered"
    ctx.rep.line(f"gen {g} {domain}: Director's guidance ({reason}): {' '.join(guidance.split())[:140]}")


def experience_for(ctx: RunContext, domain: str, g: int, dstate: DomainState, front: list[Member],
                   scars: list[scarlib.Scar], lessons: list[lessonlib.Lesson], gx: GenerationExperience) -> Experience:
    """The generation's {experience}: the most relevant lessons, the newest guidance, the Critic's
    findings on the organs of the front."""
    sw = switches(ctx)
    state = ctx.log.read_run()
    lessons_text = ""
    if sw.lessons and lessons:
        context = dstate.last_failures + "\n" + scarlib.render(scarlib.for_prompt(scars, domain, 24))
        lessons_text = lessonlib.render(lessonlib.ranked(lessons, context), domain, sw.lessons_chars)
    director = ""
    if gx.director:
        director = directorlib.render(gx.director, g)
    else:
        note = (state.get("director") or {}).get(domain)
        path = ctx.log.path / note["file"] if note else None
        if path is not None and path.is_file():
            director = directorlib.render(path.read_text(encoding="utf-8").strip(), note["generation"])
    names = {m.organ.name for m in front}
    reviews = [CriticReview.model_validate(r) for name, r in (state.get("critic") or {}).items() if name in names]
    return Experience(lessons_text, director, reviews)


def critic_step(ctx: RunContext, client: LLMClient, g: int, domain: str, best_before: Member | None,
                outcome: GenerationOutcome, train: list[Episode], gx: GenerationExperience) -> None:
    """A Critic call when the front's best changed to an organ not yet reviewed."""
    top = outcome.top
    if not switches(ctx).critic or top is None or gx.stop:
        return
    if best_before is not None and top.organ.name == best_before.organ.name:
        return
    if top.organ.name in (ctx.log.read_run().get("critic") or {}):
        return
    source = organ_source(ctx.log.path / "genome.json", top.organ)
    shown = tuple(domainlib.get(domain).transcript_files)
    msgs = criticlib.messages(ctx.templates, domain, top.organ.name, source, train, shown, top)
    review = CriticReview(organ=top.organ.name, domain=domain, generation=top.generation)
    try:
        result = ask_structured(client, msgs, criticlib.CriticAnswer, ctx.templates["repair_json"],
                                purpose=f"gen{g:03d}:{domain}:critic:{top.organ.name}")
    except BudgetExceeded as exc:
        gx.review, gx.stop = review.model_copy(update={"status": "not_sent", "reason": exc.reason}), exc.reason
        return
    except LLMError as exc:
        gx.review = review.model_copy(update={"status": "failed", "reason": f"no answer ({exc})"})
        warn(ctx, f"generation {g} {domain}: the Critic did not review {top.organ.name}: no answer ({exc})")
        return
    if result.value is None:
        why = "; ".join(result.errors[:2])
        gx.review = review.model_copy(update={"status": "failed", "reason": f"unusable answer: {why}"})
        warn(ctx, f"generation {g} {domain}: the Critic's answer on {top.organ.name} was unusable: {why}")
        return
    findings, bad = criticlib.findings_of(result.value)
    gx.review = review.model_copy(update={"findings": findings, "suspect": criticlib.suspect(findings),
                                          "reason": f"{bad} unusable findings left out" if bad else ""})
    kinds = ", ".join(f.kind for f in findings) or "nothing to report"
    ctx.rep.line(f"gen {g} {domain}: Critic on {top.organ.name}: {kinds}"
                 + (" - marked SUSPECT (the hidden test split judges)" if gx.review.suspect else ""))


def lesson_step(ctx: RunContext, client: LLMClient, g: int, domain: str, cands: list[Candidate],
                front_before: list[Member], dstate_before: DomainState, outcome: GenerationOutcome,
                scars: list[scarlib.Scar], train: list[Episode], secret: lessonlib.Secrets,
                gx: GenerationExperience) -> None:
    """Rules for validator rejections; one lesson call for a repair that fixed failing episodes or a
    domain that starts to plateau; every lesson filtered against the held-out data."""
    if not switches(ctx).lessons:
        return
    run = ctx.log.path.name
    entries = lessonlib.rule_lessons(domain, run, g, cands)
    record: dict = {"rules": len(entries), "outcome": None, "call": "not due"}
    ask = _clear_outcome(ctx, domain, cands, front_before, dstate_before, outcome, scars, train)
    if ask is not None and not gx.stop:
        record.update(outcome=ask.kind, measured=ask.measured)
        try:
            result = ask_structured(client, lessonlib.lesson_messages(ctx.templates, domain, ask),
                                    lessonlib.LessonAnswer, ctx.templates["repair_json"],
                                    purpose=f"gen{g:03d}:{domain}:lesson")
        except BudgetExceeded as exc:
            record["call"], gx.stop = "not_sent", exc.reason
            result = None
        except LLMError as exc:
            record["call"] = "failed"
            warn(ctx, f"generation {g} {domain}: no lessons from the lesson call: no answer ({exc})")
            result = None
        if result is not None and result.value is None:
            record["call"] = "failed"
            warn(ctx, f"generation {g} {domain}: the lesson call's answer was unusable: {'; '.join(result.errors[:2])}")
        elif result is not None:
            drafted, dropped = lessonlib.drafts_to_entries(result.value, domain, run, g, ask)
            entries += drafted
            record["call"], record["dropped"] = "answered", dropped
    kept, leaked = lessonlib.keep(entries, secret, whole=True)
    record["dropped"] = record.get("dropped", []) + leaked
    record["leaked"] = len(leaked)
    gx.lessons, gx.lesson_record = kept, record
    if kept:
        ctx.rep.line(f"gen {g} {domain}: {len(kept)} lesson{'s' if len(kept) != 1 else ''} recorded"
                     + (f" ({len(leaked)} dropped: they named held-out data)" if leaked else ""))


def _clear_outcome(ctx: RunContext, domain: str, cands: list[Candidate], front_before: list[Member], dstate_before: DomainState,
                   outcome: GenerationOutcome, scars: list[scarlib.Scar], train: list[Episode]) -> lessonlib.Outcome | None:
    by_name = {m.organ.name: m for m in front_before}
    fixed = lessonlib.repair_fixed(cands, by_name)
    if fixed is not None:
        cand, parent, episodes = fixed
        parent_source = organ_source(ctx.log.path / "genome.json", parent.organ)
        child = Member(organ=run_organ_ref(cand.organ), domain=parent.domain, generation=0, candidate=cand.index,
                       scores={r.episode_id: round(r.verdict.score, 6) for r in cand.results},
                       passed_ids=[r.episode_id for r in cand.results if r.verdict.success])
        table = promptlib.per_episode_text([parent, child], train)
        return lessonlib.repair_outcome(cand, parent, episodes, parent_source, table)
    patience = ctx.settings.evolution.stagnation_generations
    history = outcome.state.best_history
    starts = rolelib.is_stagnating(history, patience) and not rolelib.is_stagnating(dstate_before.best_history, patience)
    if starts or outcome.state.done == "patience":
        since = rolelib.generations_without_gain(history)
        return lessonlib.plateau_outcome(history, since, promptlib.approaches_text(outcome.front, len(train)),
                                         scarlib.by_tag(scars + outcome.scars, domain))
    return None


def write(ctx: RunContext, g: int, domain: str, gx: GenerationExperience, state: dict) -> dict:
    """The generation's experience files, and the lessons into the store (never in a replay); the
    run.json changes for the commit to apply."""
    gdir = gen_dir(ctx.log.path, g)
    changes: dict = {}
    if gx.director is not None:
        write_text_atomic(gdir / "director.md", gx.director + "\n")
        note = DirectorNote(generation=g, file=f"{gdir.name}/director.md", reason=gx.director_reason)
        changes["director"] = {**(state.get("director") or {}), domain: note.model_dump(mode="json")}
    if gx.review is not None:
        ctx.log.write(f"{gdir.name}/critic.json", gx.review.model_dump(mode="json"))
        if gx.review.status == "reviewed":
            changes["critic"] = {**(state.get("critic") or {}), gx.review.organ: gx.review.model_dump(mode="json")}
    if gx.lesson_record:
        ctx.log.write(f"{gdir.name}/lessons.json", {**gx.lesson_record,
                                                    "lessons": [e.model_dump(mode="json") for e in gx.lessons]})
        damaged = (ctx.log.read(LESSONS_USED) or {}).get("damaged") or []
        if gx.lessons and ctx.opts.replay_from is None and domain not in damaged:
            append_lessons(ctx.settings.path("genomes"), domain, gx.lessons)
    return changes
