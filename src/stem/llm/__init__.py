"""LLM layer: OpenAI-compatible endpoints, a command provider, record/replay, retries and budgets."""
