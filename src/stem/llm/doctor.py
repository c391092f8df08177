"""`stem doctor --llm NAME`: is the selected profile usable? Key present, endpoint reachable, model answers."""

from __future__ import annotations

import os
from dataclasses import dataclass

from stem.llm.client import missing_key
from stem.llm.settings import LLMSettings, resolve_profile


@dataclass
class Probe:
    check: str
    ok: bool
    detail: str


def check_profile(settings: LLMSettings, name: str | None, model: str | None, base_url: str | None,
                  offline: bool) -> list[Probe]:
    chosen, profile = resolve_profile(settings, name, model, base_url)
    out = [Probe("profile", True, f"{chosen}: provider={profile.provider} model={profile.model or '-'} "
                                  f"base_url={profile.base_url or '-'}")]
    if profile.provider == "replay":
        out.append(Probe("replay", True, "answers come from --replay-from RUN (no network)"))
        return out
    if profile.provider == "command":
        import shutil
        exe = shutil.which(profile.command[0]) if profile.command else None
        out.append(Probe("command", exe is not None, exe or f"'{' '.join(profile.command)}' is not on PATH"))
        return out
    env = missing_key(profile)
    if profile.api_key_env:
        out.append(Probe("api key", env is None, f"{profile.api_key_env} is set" if env is None
                         else f"{profile.api_key_env} is not set (environment or .env)"))
    else:
        out.append(Probe("api key", True, "none needed"))
    if offline:
        out.append(Probe("network", True, "skipped (--offline)"))
        return out
    if env is not None:
        out.append(Probe("network", False, f"skipped: set {env} first"))
        return out
    import openai
    client = openai.OpenAI(api_key=os.environ.get(profile.api_key_env or "", "") or "not-needed",
                           base_url=profile.base_url, timeout=10.0, max_retries=0)
    try:
        models = client.models.list()
        names = [m.id for m in models.data][:5]
        out.append(Probe("endpoint", True, f"reachable; models: {', '.join(names) or '(none listed)'}"))
    except openai.APIStatusError as exc:
        out.append(Probe("endpoint", exc.status_code not in (401, 403), f"HTTP {exc.status_code} from /models"))
    except openai.OpenAIError as exc:
        out.append(Probe("endpoint", False, f"unreachable: {exc}"))
        return out
    try:
        resp = client.chat.completions.create(model=profile.model, max_tokens=8,
                                              messages=[{"role": "user", "content": "Reply with the single word: pong"}])
        text = (resp.choices[0].message.content or "").strip() if resp.choices else ""
        out.append(Probe("ping", bool(text), f"model answered: {text[:40]!r}" if text else "empty answer"))
    except openai.OpenAIError as exc:
        out.append(Probe("ping", False, f"{type(exc).__name__}: {str(exc)[:160]}"))
    return out
