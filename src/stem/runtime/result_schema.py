"""The organ response shape the sandbox checks: defined once in stem.turn_protocol (the runner checks the
same shape for every agent); named here for the runtime and the rendered contract."""

from stem.turn_protocol import MAX_DEPTH, MAX_NODES, RESPONSE_KEYS, check_response, plain_json_problem

__all__ = ["MAX_DEPTH", "MAX_NODES", "RESPONSE_KEYS", "check_response", "plain_json_problem"]
