"""`--llm auto`: pick the first usable LLM on this machine, and say why.

Order: a profile named in config.yaml (`llm.profile` other than auto) or by --llm wins outright.
Otherwise: an API key in the environment or .env (each key profile in config order: gemini, openai,
anthropic, openrouter, ...); then a local OpenAI-compatible server that answers and has a model
(ollama, vllm, llamacpp; a model whose name says "coder" is preferred); then a coding-agent CLI on
PATH used through the command provider (claude, codex, gemini, llm). Every option seen is kept, with
the one line that would make it usable, for `stem doctor` and for the error when nothing is usable.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass

from stem.errors import StemError
from stem.llm.settings import LLMSettings, Profile, resolve_profile

PROBE_SECONDS = 1.5


@dataclass
class Option:
    profile: str
    kind: str  # api key | local server | cli agent
    usable: bool
    detail: str
    fix: str = ""
    model: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def list_models(base_url: str, timeout: float = PROBE_SECONDS) -> list[str]:
    """Model ids a configured local OpenAI-compatible server lists at GET {base_url}/models."""
    with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=timeout) as resp:  # noqa: S310
        data = json.loads(resp.read(1_000_000))
    return [str(m.get("id")) for m in data.get("data", []) if isinstance(m, dict) and m.get("id")]


def pick_model(configured: str, models: list[str]) -> str:
    coders = [m for m in models if "coder" in m.lower()]
    if configured in coders or (configured in models and not coders):
        return configured
    return (coders or models)[0]


def _is_local(profile: Profile) -> bool:
    return profile.provider == "openai" and not profile.api_key_env and bool(profile.base_url)


def survey(settings: LLMSettings, offline: bool = False, environ: dict | None = None,
           which: Callable[[str], str | None] = shutil.which,
           probe: Callable[[str], list[str]] = list_models) -> list[Option]:
    """Every candidate in auto order (keys, local servers, CLI agents), usable or not."""
    env = os.environ if environ is None else environ
    out: list[Option] = []
    for name, p in settings.profiles.items():
        if p.provider == "openai" and p.api_key_env:
            ok = bool(env.get(p.api_key_env))
            out.append(Option(name, "api key", ok, f"{p.api_key_env} is set" if ok else f"{p.api_key_env} is not set",
                              "" if ok else f"put {p.api_key_env}=... in .env", p.model))
    for name, p in settings.profiles.items():
        if not _is_local(p):
            continue
        if offline:
            out.append(Option(name, "local server", False, f"not probed (--offline): {p.base_url}",
                              f"run stem doctor without --offline to probe {p.base_url}"))
            continue
        try:
            models = probe(p.base_url)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            fix = (f"ollama serve && ollama pull {p.model}" if name == "ollama" else
                   f"start an OpenAI-compatible server at {p.base_url} (or point llm.profiles.{name}.base_url at one)")
            out.append(Option(name, "local server", False, f"no answer at {p.base_url} ({str(reason)[:80]})", fix))
            continue
        if not models:
            out.append(Option(name, "local server", False, f"{p.base_url} answers but lists no model",
                              f"ollama pull {p.model}" if name == "ollama" else "load a model into the server"))
            continue
        model = pick_model(p.model, models)
        out.append(Option(name, "local server", True, f"{p.base_url} answers; models: {', '.join(models[:6])}; "
                          f"using {model}" + (" (a coder model)" if "coder" in model.lower() else ""), "", model))
    for name, p in settings.profiles.items():
        if p.provider != "command" or not p.command:
            continue
        exe = which(p.command[0])
        out.append(Option(name, "cli agent", exe is not None,
                          f"{exe} on PATH; runs: {' '.join(p.command[:3])} (prompt on stdin)" if exe
                          else f"'{p.command[0]}' is not on PATH", "" if exe else f"install '{p.command[0]}'",
                          " ".join(p.command[:2])))
    return out


def choose(settings: LLMSettings, name: str | None = None, offline: bool = False,
           options: list[Option] | None = None, **kw) -> tuple[str, str, list[Option]]:
    """(profile name, why, options seen). A named profile (flag or config) is taken as asked; with
    auto, `options` is a survey already made (else one is made here)."""
    asked = name or settings.profile
    if asked != "auto":
        resolve_profile(settings, asked)  # unknown names are a one-line error
        where = "--llm" if name else "llm.profile in config.yaml"
        return asked, f"named by {where}", []
    options = survey(settings, offline, **kw) if options is None else options
    for opt in options:
        if opt.usable:
            return opt.profile, f"auto: {opt.kind}: {opt.detail}", options
    looked = "; ".join(f"{o.profile} ({o.detail}: {o.fix})" for o in options)
    raise StemError(f"no usable LLM found; looked for: {looked}; or pass --llm replay --replay-from RUN")


def resolved(settings: LLMSettings, name: str | None, model: str | None, base_url: str | None,
             offline: bool = False, options: list[Option] | None = None, **kw) -> tuple[str, Profile, str, list[Option]]:
    """The profile to use, with --model / --base-url applied, the reason, and every option seen."""
    chosen, why, options = choose(settings, name, offline, options, **kw)
    picked = next((o for o in options if o.profile == chosen and o.usable), None)
    if picked is not None and picked.kind == "local server" and not model:
        model = picked.model
    chosen, profile = resolve_profile(settings, chosen, model, base_url)
    return chosen, profile, why, options
