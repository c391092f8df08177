"""A fake OpenAI-compatible HTTP server on 127.0.0.1 that serves scripted answers and faults.

Each POST /v1/chat/completions takes the next Step from the script; requests are recorded so
tests can assert attempts and what was sent. It serves only loopback, every delay is capped,
and the server thread stops when the context manager exits.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_DELAY = 5.0


@dataclass
class Step:
    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: str | None = None
    delay: float = 0.0
    finish_reason: str = "stop"
    prompt_tokens: int = 100
    completion_tokens: int = 50
    hangup: bool = False  # close the connection without answering


def plan_json(**overrides) -> str:
    plan = {"organ_name": "graph_walker", "domain": "matrix_database", "mode": "new_organ",
            "rationale": "the stem cell has no organ for this domain yet",
            "source": "def run(observation):\n    return {'trace': ['walk'], 'memory': {}}\n"}
    plan.update(overrides)
    return json.dumps(plan)


class FakeOpenAI:
    """`script` is a list of Steps served in arrival order, or a function of the request body that
    returns the Step (for concurrent requests, whose arrival order is not fixed)."""

    def __init__(self, script, models: list[str] | None = None):
        self.models = models or ["fake-model"]
        self.responder = script if callable(script) else None
        self.script = [] if callable(script) else list(script)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                if self.path.endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [{"id": m, "object": "model", "created": 0,
                                                                             "owned_by": "test"} for m in server.models]}))
                else:
                    self._send(404, json.dumps({"error": {"message": "not found"}}))

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                record = {"path": self.path, "body": body, "auth": self.headers.get("Authorization"),
                          "at": time.monotonic(), "done": None}
                with server.lock:
                    server.requests.append(record)
                    if server.responder is not None:
                        step = server.responder(body)
                    else:
                        step = server.script.pop(0) if server.script else Step(status=500, content="script exhausted")
                time.sleep(min(step.delay, MAX_DELAY))
                record["done"] = time.monotonic()
                if step.hangup:
                    self.close_connection = True
                    return
                if step.raw_body is not None:
                    self._send(step.status, step.raw_body, step.headers)
                    return
                if step.status != 200:
                    err = {"error": {"message": step.content or "scripted failure", "type": "test", "code": step.status}}
                    self._send(step.status, json.dumps(err), step.headers)
                    return
                reply = {"id": f"chatcmpl-{len(server.requests)}", "object": "chat.completion", "created": 0,
                         "model": body.get("model", "fake-model"),
                         "choices": [{"index": 0, "finish_reason": step.finish_reason,
                                      "message": {"role": "assistant", "content": step.content}}],
                         "usage": {"prompt_tokens": step.prompt_tokens, "completion_tokens": step.completion_tokens,
                                   "total_tokens": step.prompt_tokens + step.completion_tokens}}
                self._send(200, json.dumps(reply), step.headers)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
