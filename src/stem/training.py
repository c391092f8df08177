"""`stem train`: Stage 1 (stem genome on validation), Stage 2 (evolution on train), Stage 3 (evolved genome
on validation and a freshly drawn hidden test split). Every finished generation is on disk before the
next begins, so `--resume` after a crash continues without losing or repeating one."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import stem
from stem.agent import StemAgent
from stem.benchmark import domains as domainlib
from stem.benchmark import splits
from stem.benchmark.episode import EpisodeResult
from stem.benchmark.episode_model import Episode
from stem.config import Settings
from stem.errors import StemError
from stem.evolution import archive as archivelib
from stem.evolution import generation as genlib
from stem.evolution import prompts as promptlib
from stem.evolution import scars as scarlib
from stem.genome import Capability, Genome, OrganRef
from stem.genome_store import load_genome, organ_source, save_genome, write_organ
from stem.jsonio import write_json
from stem.llm.budget import Budget, BudgetExceeded
from stem.llm.client import LLMClient, build_client
from stem.llm.retry import LLMError
from stem.runlog import RunLog, gen_dir, new_run_dir
from stem.runtime.sandbox import Sandbox


class Reporter(Protocol):
    def stage(self, number: int, title: str) -> None: ...
    def line(self, text: str) -> None: ...
    def status(self, **fields: Any) -> None: ...


@dataclass
class TrainOptions:
    domain: str = "trading"
    population: int | None = None
    max_epochs: int | None = None
    llm: str | None = None
    model: str | None = None
    base_url: str | None = None
    replay_from: Path | None = None
    unsafe: bool = False
    resume: Path | None = None


def run_organ_ref(ref: OrganRef) -> OrganRef:
    """An organ written into <run>/skills/, named relative to <run>/genome.json."""
    return ref.model_copy(update={"path": f"skills/{ref.path}"})


def episode_summary(results: list[EpisodeResult]) -> list[dict]:
    return [{"episode": r.episode_id, "domain": r.domain, "success": r.verdict.success,
             "score": round(r.verdict.score, 4), "tags": r.verdict.tags} for r in results]


def private_literals(episodes: list[Episode]) -> frozenset[str]:
    """String values of held-out expected artifacts that no public file reveals: an organ may not
    hard-code them. Values the public files contain (a marker named in the rules, a candidate
    vector) are public knowledge and stay allowed."""
    out: set[str] = set()
    public = ""

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= 6 and value not in public:
            out.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for ep in episodes:
        public = "\n".join(ep.public_files.values())
        walk(ep.private.get("expected"))
    return frozenset(out)


class Trainer:
    def __init__(self, settings: Settings, opts: TrainOptions, reporter: Reporter):
        self.settings, self.opts, self.rep = settings, opts, reporter
        self.domains = domainlib.domain_names(opts.domain)
        self.templates = promptlib.load_templates(settings.path("prompts"))
        self.population = opts.population or settings.evolution.population
        self.max_epochs = opts.max_epochs or settings.evolution.max_epochs

    # ------------------------------------------------------------------ run record
    def _open_run(self) -> RunLog:
        if self.opts.resume is not None:
            log = RunLog(self.opts.resume)
            state = log.read_run()
            if state["status"] == "finished":
                raise StemError(f"{self.opts.resume}: this run already finished; start a new one without --resume")
            self.domains = state["domains"]
            self.population, self.max_epochs = state["options"]["population"], state["options"]["max_epochs"]
            finished = state["progress"]["generation"]
            for path in sorted(log.path.glob("generation_*")):
                if int(path.name.split("_")[1]) > finished:
                    log.discard_generation(int(path.name.split("_")[1]))
            log.update_run(status="running")
            log.event("resumed", after_generation=finished)
            self.rep.line(f"resuming {log.path} after generation {finished}")
            return log
        log = RunLog(new_run_dir(self.settings.path("logs")))
        import openai
        log.write_run({
            "status": "running", "stop_reason": None, "stem_version": stem.__version__,
            "versions": {"python": sys.version.split()[0], "openai": openai.__version__, "platform": platform.platform()},
            "config": self.settings.model_dump(mode="json"), "domains": self.domains,
            "options": {"population": self.population, "max_epochs": self.max_epochs, "llm": self.opts.llm,
                        "model": self.opts.model, "base_url": self.opts.base_url,
                        "replay_from": str(self.opts.replay_from) if self.opts.replay_from else None,
                        "unsafe_no_isolation": self.opts.unsafe},
            "progress": {"stage": 1, "generation": 0},
            "domain_state": {d: {"epochs": 0, "done": None, "last_failures": ""} for d in self.domains},
            "archive": {d: [] for d in self.domains}, "rejected": [], "llm_usage": None,
            "stage1": None, "stage2": None, "stage3": None, "mature": None, "test_seeds": None,
        })
        write_json(log.path / "genome.json", Genome().model_dump(mode="json"))
        write_json(log.path / "phenotypic_scars.json", [])
        log.event("run_started", domains=self.domains)
        return log

    # ------------------------------------------------------------------ stages
    def run(self) -> dict:
        log = self._open_run()
        self.log = log
        try:
            sandbox = Sandbox(unsafe_no_isolation=self.opts.unsafe, prestart=1)
            log.update_run(isolation=sandbox.report.as_dict(), isolation_layers=sandbox.layers)
            if self.opts.unsafe:
                self.rep.line("[bold red]WARNING: organs run WITHOUT namespace isolation (--unsafe-no-isolation)[/]")
            train = {d: splits.split_episodes(self.settings, d, "train") for d in self.domains}
            validation = {d: splits.split_episodes(self.settings, d, "validation") for d in self.domains}
            log.update_run(split_ids={"train": {d: [e.episode_id for e in v] for d, v in train.items()},
                                      "validation": {d: [e.episode_id for e in v] for d, v in validation.items()}})
            with sandbox:
                state = log.read_run()
                if state["stage1"] is None:
                    self._stage1(sandbox, validation)
                if log.read_run()["progress"]["stage"] <= 2:  # a resumed Stage 3 needs no LLM
                    self._stage2(sandbox, self._client(), train, validation)
                return self._stage3(sandbox, validation)
        except StemError as exc:
            log.update_run(status="stopped", stop_reason=str(exc))
            log.event("stopped", reason=str(exc))
            raise
        except KeyboardInterrupt:
            log.update_run(status="interrupted", stop_reason="interrupted by the user")
            log.event("interrupted")
            raise StemError(f"interrupted; continue with: stem train --resume {log.path}") from None
        except BaseException as exc:
            log.update_run(status="failed", stop_reason=f"{type(exc).__name__}: {exc}")
            raise

    def _evaluate(self, sandbox: Sandbox, genome_path: Path | None, episodes: list[Episode], stage: str) -> list[EpisodeResult]:
        organs = {}
        if genome_path is not None:
            genome = load_genome(genome_path)
            organs = {d: organ_source(genome_path, c.organ) for d, c in genome.capabilities.items()}
        agent = StemAgent(sandbox, organs)
        results = []
        for ep in episodes:
            results.append(agent.run_episode(ep, self.log.path / "episodes" / stage / ep.episode_id))
            self.rep.status(stage=stage, episode=ep.episode_id, passed=sum(r.verdict.success for r in results),
                            done=len(results), total=len(episodes))
        return results

    def _stage1(self, sandbox: Sandbox, validation: dict[str, list[Episode]]) -> None:
        self.rep.stage(1, "stem genome on validation episodes")
        eps = [e for d in self.domains for e in validation[d]]
        results = self._evaluate(sandbox, None, eps, "stage1_validation")
        summary = {"validation": episode_summary(results), "passed": sum(r.verdict.success for r in results),
                   "total": len(results)}
        self.log.update_run(stage1=summary, progress={"stage": 2, "generation": 0})
        self.log.event("stage1_done", passed=summary["passed"], total=summary["total"])
        self.rep.line(f"stage 1: stem genome passed {summary['passed']}/{summary['total']} validation episodes "
                      f"({100 * summary['passed'] / max(1, summary['total']):.0f}%)")

    def _client(self) -> LLMClient:
        state = self.log.read_run()
        client = build_client(self.settings.llm, self.opts.llm, self.opts.model, self.opts.base_url,
                              calls_file=self.log.path / "llm" / "calls.jsonl", replay_from=self.opts.replay_from)
        usage = state.get("llm_usage")
        if usage:
            client.budget = Budget(self.settings.llm.budget, usage["calls"], usage["prompt_tokens"],
                                   usage["completion_tokens"], usage["usd"])
        self.log.update_run(llm={"profile": client.name, "model": client.profile.model,
                                 "provider": client.profile.provider})
        return client

    def _stage2(self, sandbox: Sandbox, client: LLMClient, train: dict[str, list[Episode]],
                validation: dict[str, list[Episode]]) -> None:
        self.rep.stage(2, f"evolution on train episodes (population {self.population}, max {self.max_epochs} epochs)")
        forbidden = private_literals([e for d in self.domains for e in validation[d]])
        stop_reason = None
        for domain in self.domains:
            while stop_reason is None:
                state = self.log.read_run()
                dstate = state["domain_state"][domain]
                if dstate["done"]:
                    break
                try:
                    self._generation(sandbox, client, domain, train[domain], forbidden)
                except (BudgetExceeded, LLMError) as exc:
                    stop_reason = f"budget: {exc.reason}" if isinstance(exc, BudgetExceeded) else f"llm: {exc}"
                    unfinished = self.log.read_run()["progress"]["generation"] + 1
                    self.log.discard_generation(unfinished)
                    self.log.event("generation_aborted", generation=unfinished, reason=stop_reason)
            if stop_reason:
                break
        usage = client.budget.as_dict()
        self.log.update_run(progress={"stage": 3, "generation": self.log.read_run()["progress"]["generation"]},
                            stage2={"stop_reason": stop_reason or "every domain finished"}, llm_usage=usage)
        self.log.event("stage2_done", reason=stop_reason or "every domain finished", usage=usage)
        if stop_reason:
            self.rep.line(f"[yellow]stage 2 stopped early: {stop_reason}[/]")

    def _generation(self, sandbox: Sandbox, client: LLMClient, domain: str, train: list[Episode],
                    forbidden: frozenset[str]) -> None:
        state = self.log.read_run()
        g = state["progress"]["generation"] + 1
        dstate = state["domain_state"][domain]
        elites = [archivelib.Elite.model_validate(e) for e in state["archive"][domain]]
        parent_elite = archivelib.best(elites)
        scars = [scarlib.Scar.model_validate(s) for s in self.log.read("phenotypic_scars.json", [])]
        parent = None
        if parent_elite is not None:
            parent = promptlib.Parent(parent_elite.organ.name, organ_source(self.log.path / "genome.json", parent_elite.organ),
                                      parent_elite.score, parent_elite.failures)
        rejected = [r for r in state["rejected"] if r["domain"] == domain]
        messages = promptlib.build_messages(self.templates, domain, train[0], parent, dstate["last_failures"],
                                            scarlib.for_prompt(scars, domain), rejected)
        gdir = gen_dir(self.log.path, g)
        gdir.mkdir(parents=True, exist_ok=True)
        self.log.event("generation_start", generation=g, domain=domain, mode="repair" if parent else "new_organ")
        self.rep.status(stage="stage2", generation=g, domain=domain, candidates=0, best=parent_elite.score if parent_elite else 0.0,
                        tokens=client.budget.tokens, usd=client.budget.usd)
        ctx = genlib.GenerationContext(g, domain, messages, train, self.log.path / "skills", gdir / "episodes", forbidden)
        cands: list[genlib.Candidate] = []
        for k in range(1, self.population + 1):
            cand = genlib.propose(client, ctx, k, self.templates["repair_json"])
            if cand.plan is not None:
                genlib.gate(cand, ctx)
                if cand.status != "rejected":
                    genlib.evaluate(cand, ctx, sandbox)
            cands.append(cand)
            self.rep.line(f"gen {g} {domain} candidate {k}: {cand.status}"
                          + (f" score={cand.score:.2f} ({cand.passed}/{len(cand.results)} train pass)" if cand.results else "")
                          + (f" - {cand.reason[:140]}" if cand.reason else ""))
            self.rep.status(stage="stage2", generation=g, domain=domain, candidates=k,
                            best=max([c.score for c in cands] + [parent_elite.score if parent_elite else 0.0]),
                            tokens=client.budget.tokens, usd=client.budget.usd)
        self._finish_generation(g, domain, parent_elite, elites, cands, messages, client)

    def _finish_generation(self, g: int, domain: str, parent_elite: archivelib.Elite | None,
                           elites: list[archivelib.Elite], cands: list[genlib.Candidate], messages: list[dict],
                           client: LLMClient) -> None:
        log, gdir = self.log, gen_dir(self.log.path, g)
        state = log.read_run()
        new_scars = [s for c in cands for s in genlib.scars_of(c, g, domain)]
        rejected = state["rejected"] + [{"generation": g, "domain": domain, "organ": genlib.candidate_name(c, g, domain),
                                          "reason": c.reason} for c in cands if c.status in ("rejected", "llm_failed")]
        evaluated = [c for c in cands if c.status == "evaluated"]
        best = max(evaluated, key=lambda c: (c.score, c.passed, -c.index), default=None)
        for c in evaluated:
            if c.score > 0:
                # a candidate written from the parent's prompt descends from it, whatever mode it declares
                lineage = (parent_elite.lineage if parent_elite else []) + [c.organ.name]
                elites = archivelib.insert(elites, archivelib.Elite(
                    organ=run_organ_ref(c.organ), domain=domain, generation=g,
                    candidate=c.index, score=c.score, passed=c.passed, episodes=len(c.results),
                    failures=genlib.failures_of(c), lineage=lineage))
        top = archivelib.best(elites)
        genome = load_genome(log.path / "genome.json")
        if top is not None:
            genome = genome.with_capability(Capability(domain=domain, organ=top.organ, generation=top.generation,
                                                       train_score=top.score, lineage=top.lineage))
        for c in cands:
            if c.plan is not None:
                (gdir / "candidates").mkdir(exist_ok=True)
                (gdir / "candidates" / f"c{c.index}.py").write_text(c.plan.source, encoding="utf-8")
        log.write(f"{gdir.name}/plan.json", [{"candidate": c.index, "plan": c.plan.model_dump() if c.plan else None,
                                               "raw_answers": c.raw_answers, "status": c.status, "reason": c.reason}
                                              for c in cands])
        log.write(f"{gdir.name}/validation.json", [{"candidate": c.index, **(c.report.as_dict() if c.report else
                                                     {"ok": None, "rejections": []})} for c in cands])
        log.write(f"{gdir.name}/verdicts.json", {f"c{c.index}": {r.episode_id: r.verdict.model_dump() for r in c.results}
                                                  for c in cands})
        if best is not None:
            (gdir / "organ.py").write_text(best.plan.source, encoding="utf-8")
        log.write(f"{gdir.name}/genome.json", genome.model_dump(mode="json"))
        log.write(f"{gdir.name}/trace.json", {
            "generation": g, "domain": domain, "mode": "repair" if parent_elite else "new_organ",
            "parent": parent_elite.organ.name if parent_elite else None,
            "prompt": messages, "candidates": [c.summary() for c in cands],
            "selected": best.organ.name if best else None,
            "archive": [{"organ": e.organ.name, "score": e.score, "generation": e.generation} for e in elites],
            "llm_usage": client.budget.as_dict()})
        # the commit point: genome, scars, then run.json; a crash before run.json redoes this generation
        write_json(log.path / "genome.json", genome.model_dump(mode="json"))
        all_scars = log.read("phenotypic_scars.json", []) + [s.model_dump() for s in new_scars]
        write_json(log.path / "phenotypic_scars.json", all_scars)
        dstate = dict(state["domain_state"][domain])
        dstate["epochs"] += 1
        dstate["last_failures"] = genlib.failures_of(best) if best else "; ".join(c.reason for c in cands if c.reason)[:2000]
        if top is not None and top.all_pass:
            dstate["done"] = "all_train_pass"
        elif dstate["epochs"] >= self.max_epochs:
            dstate["done"] = "max_epochs"
        log.update_run(progress={"stage": 2, "generation": g}, domain_state={**state["domain_state"], domain: dstate},
                       archive={**state["archive"], domain: [e.model_dump(mode="json") for e in elites]},
                       rejected=rejected, llm_usage=client.budget.as_dict())
        log.event("generation_done", generation=g, domain=domain,
                  candidates=[c.summary() for c in cands], best=top.score if top else 0.0, done=dstate["done"])

    def _stage3(self, sandbox: Sandbox, validation: dict[str, list[Episode]]) -> dict:
        self.rep.stage(3, "evolved genome on validation and a hidden test split")
        state = self.log.read_run()
        seeds = state.get("test_seeds")
        if not seeds and self.opts.replay_from is not None:  # a replay reproduces the recorded hidden split
            source = self.opts.replay_from if self.opts.replay_from.is_dir() else self.opts.replay_from.parent.parent
            recorded = RunLog(source).read_run().get("test_seeds") if (source / "run.json").is_file() else None
            if recorded:
                seeds = recorded
                self.log.update_run(test_seeds=seeds, test_seeds_from=str(source))
        if not seeds:
            seeds = splits.draw_test_seeds(self.settings, self.settings.benchmark.splits.test.count)
            self.log.update_run(test_seeds=seeds)
        levels = self.settings.benchmark.difficulties
        test = [domainlib.generate(d, s, levels[i % len(levels)], "test") for d in self.domains
                for i, s in enumerate(seeds)]
        genome_path = self.log.path / "genome.json"
        val_results = self._evaluate(sandbox, genome_path, [e for d in self.domains for e in validation[d]],
                                     "stage3_validation")
        test_results = self._evaluate(sandbox, genome_path, test, "stage3_test")
        summary = {"validation": episode_summary(val_results), "test": episode_summary(test_results),
                   "validation_passed": sum(r.verdict.success for r in val_results), "validation_total": len(val_results),
                   "test_passed": sum(r.verdict.success for r in test_results), "test_total": len(test_results)}
        mature = self._mature(genome_path, val_results)
        self.log.update_run(stage3=summary, mature=mature, status="finished",
                            progress={"stage": 4, "generation": state["progress"]["generation"]})
        self.log.event("finished", validation=f"{summary['validation_passed']}/{summary['validation_total']}",
                       test=f"{summary['test_passed']}/{summary['test_total']}", mature=mature["written"])
        self.rep.line(f"stage 3: validation {summary['validation_passed']}/{summary['validation_total']}, "
                      f"hidden test {summary['test_passed']}/{summary['test_total']}")
        self.rep.line(mature["message"])
        return {"run": str(self.log.path), **summary, "mature": mature}

    def _mature(self, genome_path: Path, val_results: list[EpisodeResult]) -> dict:
        failing = [r.episode_id for r in val_results if not r.verdict.success]
        target = self.settings.path("genomes") / "mature_cell.json"
        if failing or not val_results:
            msg = (f"mature_cell.json NOT written: {len(failing)} of {len(val_results)} validation episodes fail "
                   f"({', '.join(failing[:6])})")
            return {"written": False, "path": None, "message": msg}
        genome = load_genome(genome_path)
        if target.is_file():  # cumulative: keep organs for domains this run did not train
            previous = load_genome(target)
            for domain, cap in previous.capabilities.items():
                if domain not in genome.capabilities:
                    ref = write_organ(self.log.path / "skills", Path(cap.organ.path).name, organ_source(target, cap.organ))
                    genome = genome.with_capability(cap.model_copy(update={"organ": run_organ_ref(ref)}))
        write_json(self.log.path / "mature_candidate.json", genome.model_dump(mode="json"))
        save_genome(genome.model_copy(update={"name": "mature_cell", "notes": f"from {self.log.path.name}"}),
                    self.log.path / "mature_candidate.json", target)
        return {"written": True, "path": str(target),
                "message": f"every validation episode passes: wrote {target}"}
