"""`stem doctor`: which LLM a run would use and why, every alternative seen, and whether the pick
answers. A rate limit (HTTP 429) is retried with the run's retry policy and reported as a warning
with the wait: training would wait and retry the same way, so it is not a failure."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from stem.errors import StemError
from stem.llm import autodetect
from stem.llm.client import missing_key
from stem.llm.retry import Attempts, LLMError, RetryPolicy, with_retries
from stem.llm.settings import LLMSettings


@dataclass
class Probe:
    check: str
    level: str  # ok | warn | fail
    detail: str

    @property
    def ok(self) -> bool:
        return self.level != "fail"

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


@dataclass
class Report:
    pick: str | None
    why: str
    options: list[autodetect.Option] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pick is not None and all(p.ok for p in self.probes)

    def as_dict(self) -> dict:
        return {"pick": self.pick, "why": self.why, "ok": self.ok,
                "alternatives": [o.as_dict() for o in self.options], "checks": [p.as_dict() for p in self.probes]}


def check(settings: LLMSettings, name: str | None, model: str | None, base_url: str | None, offline: bool,
          sleep: Callable[[float], None] = time.sleep, **kw) -> Report:
    # auto: one survey (local servers are probed over the network once) serves the pick and the table
    options = autodetect.survey(settings, offline, **kw) if (name or settings.profile) == "auto" else []
    try:
        chosen, profile, why, options = autodetect.resolved(settings, name, model, base_url, offline, options, **kw)
    except StemError as exc:
        return Report(None, str(exc), options, [Probe("llm", "fail", str(exc))])
    report = Report(chosen, why, options)
    probes = report.probes
    probes.append(Probe("profile", "ok", f"{chosen}: provider={profile.provider} model={profile.model or '-'} "
                                         f"base_url={profile.base_url or '-'}"))
    if profile.provider == "replay":
        probes.append(Probe("replay", "ok", "answers come from --replay-from RUN (no network)"))
        return report
    if profile.provider == "command":
        import shutil
        exe = shutil.which(profile.command[0]) if profile.command else None
        probes.append(Probe("command", "ok" if exe else "fail", exe or f"'{' '.join(profile.command)}' is not on PATH"))
        return report
    env = missing_key(profile)
    if profile.api_key_env:
        probes.append(Probe("api key", "ok" if env is None else "fail", f"{profile.api_key_env} is set" if env is None
                            else f"{profile.api_key_env} is not set (environment or .env)"))
    if offline:
        probes.append(Probe("network", "ok", "skipped (--offline)"))
        return report
    if env is not None:
        probes.append(Probe("network", "fail", f"skipped: set {env} first"))
        return report
    probes.append(endpoint(profile))
    probes.append(ping(settings, chosen, profile, sleep))
    return report


def endpoint(profile) -> Probe:
    """GET /models: reachable, and which models it lists (a 429 here is a warning too)."""
    import openai
    client = openai.OpenAI(api_key=os.environ.get(profile.api_key_env or "", "") or "not-needed",
                           base_url=profile.base_url, timeout=10.0, max_retries=0)
    try:
        names = [m.id for m in client.models.list().data][:5]
    except openai.APIStatusError as exc:
        level = "warn" if exc.status_code in (404, 405, 429) else "fail"
        return Probe("endpoint", level, f"HTTP {exc.status_code} from /models")
    except (openai.OpenAIError, ValueError, RecursionError) as exc:
        return Probe("endpoint", "fail", f"unreachable: {str(exc)[:160]}")
    return Probe("endpoint", "ok", f"reachable; models: {', '.join(names) or '(none listed)'}")


def ping(settings: LLMSettings, name: str, profile, sleep: Callable[[float], None]) -> Probe:
    """One tiny request, retried like training retries (backoff, Retry-After)."""
    from stem.llm.providers import OpenAIProvider
    provider = OpenAIProvider(name, profile, os.environ.get(profile.api_key_env or "", "") or None)
    policy = RetryPolicy(settings.retry, random.Random(0))
    tried = Attempts()
    limited = []

    def send():
        try:
            return provider.send([{"role": "user", "content": "Reply with the single word: pong"}], json_mode=False)
        except LLMError as exc:
            limited.append(exc.kind == "http_429")
            raise

    try:
        answer = with_retries(send, policy, sleep, tried)
    except LLMError as exc:
        if exc.kind == "http_429":
            wait = f"; it asks to wait {exc.retry_after:g}s" if exc.retry_after is not None else ""
            return Probe("ping", "warn", f"rate-limited (HTTP 429) after {exc.attempts} attempts{wait}; "
                                         "training waits and retries the same way")
        return Probe("ping", "fail", str(exc)[:240])
    text = answer.text.strip()
    if any(limited):
        return Probe("ping", "warn", f"rate-limited (HTTP 429), answered after waiting {sum(tried.waits):.1f}s: "
                                     f"{text[:40]!r}")
    return Probe("ping", "ok" if text else "fail", f"model answered: {text[:40]!r}" if text else "empty answer")
