"""The organ contract as a prompt states it: prompts/organ_contract.txt with every number and list
filled in from the constants that enforce it, so the text a model reads cannot drift from the code.

The values come from the validator (source caps, imports, banned names and attributes, decorators,
special methods, module-level calls), the result check (response keys, size of the answer), the
sandbox's Limits of the run (CPU, wall, memory, files, processes, logs; default Limits() when none is
given) and the LLM settings (the size of the model's reply). The template holds placeholders only.
"""

from __future__ import annotations

import re

from stem.llm.settings import LLMSettings
from stem.genome import TransformationPlan
from stem.runtime import result_schema, validator
from stem.runtime.sandbox import Limits

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _names(values) -> str:
    return ", ".join(sorted(values))


def contract_values(limits: Limits | None = None, max_answer_chars: int | None = None) -> dict[str, str]:
    """Every placeholder of the contract template and the enforced value it stands for, as text."""
    lim = limits or Limits()
    answer = max_answer_chars if max_answer_chars is not None else LLMSettings.model_fields["max_answer_chars"].default
    return {
        "max_source_bytes": str(validator.MAX_BYTES), "max_nodes": str(validator.MAX_NODES),
        "max_depth": str(validator.MAX_DEPTH), "allowed_imports": _names(validator.ALLOWED_IMPORTS),
        "banned_names": _names(validator.BANNED_NAMES),
        "banned_attrs": _names(validator.BANNED_ATTRS | validator.derived_banned_attrs()),
        "allowed_decorators": _names(validator.ALLOWED_DECORATORS),
        "allowed_dunder_methods": _names(validator.ALLOWED_DUNDER_DEFS),
        "top_level_calls": _names(validator.TOP_LEVEL_CALLS),
        "response_keys": _names(result_schema.RESPONSE_KEYS), "result_bytes": str(lim.result_bytes),
        "result_values": str(result_schema.MAX_NODES), "result_depth": str(result_schema.MAX_DEPTH),
        "cpu_seconds": f"{lim.cpu_seconds:g}", "wall_seconds": f"{lim.wall_seconds:g}",
        "episode_cpu_seconds": f"{lim.episode_cpu_seconds:g}",
        "memory_mb": str(lim.memory_mb), "file_size_bytes": str(lim.file_size_bytes),
        "open_files": str(lim.open_files), "processes": str(lim.processes), "log_bytes": str(lim.log_bytes),
        "max_answer_chars": str(answer),
        "path_fragments": ", ".join(validator.PATH_FRAGMENTS),
        "fixture_literal_min": str(validator.FIXTURE_LITERAL_MIN),
        "organ_name_pattern": TransformationPlan.model_fields["organ_name"].metadata[0].pattern,
    }


def render_contract(template: str, limits: Limits | None = None, max_answer_chars: int | None = None) -> str:
    """The template with its placeholders filled; other braces (JSON examples) are left as written."""
    values = contract_values(limits, max_answer_chars)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
