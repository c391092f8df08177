"""Evolution: prompts per candidate role, transcripts, scars, the Pareto front, roles and stagnation,
concurrent dispatch of a generation's requests."""
