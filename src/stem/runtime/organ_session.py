"""An organ session: one sandboxed worker serves every turn of one episode.

Launch and lock-down are a per-call worker's (sandbox.py): setpriv to nobody when we are root, bwrap
with every namespace unshared, read-only system dirs, the episode's public dir read-only at
/episode, empty environment, then the worker sets rlimits, no_new_privs and the FULL seccomp filter
(no fork, exec, sockets ...) before it reads the organ source. It compiles the source once, answers
a ready frame, and then runs `run(observation)` once per turn (worker.session).

Framing, both ways on pipes: a 4-byte big-endian length, then that many bytes of one JSON document.
The parent sends {"source": ...} once, then {"seq": n, "observation": ...} per turn, with non-blocking
writes under the turn's deadline (a worker that stops reading cannot hang the parent). Each answer is
the worker's result document ({"ok": true, "response": ...} or {"ok": false, "error": ...}, plus the
request's seq and what its output sinks dropped). The parent trusts none of it: a response passes
result_schema's check or the turn is a malformed_response.

Faults end the session: its whole process group is killed and every later call fails at once.
- no complete frame within `wall_seconds` of the request: timeout;
- a frame length over `result_bytes`: resource_limit (the worker refuses to send one itself, so
  only a forged frame gets here);
- the pipe closes: the worker died; its exit status says why (SIGXCPU: the CPU limit);
- a frame that is not one JSON document with a boolean "ok", one that answers another turn's request
  (a frame forged by the organ puts the real answer out of step), or bytes that arrive between
  turns: malformed_response.
A well-formed answer whose response fails the schema check is the organ's failure on that turn,
not a fault: the session stays up.

What carries between turns. The contract promises `memory` only, and the parent sends the memory
the runner carries, so memory is checked and recorded as on every other path. The compiled module
is executed into a fresh namespace each turn, so module-level names, functions and classes are
rebuilt (measured by `stem perf episode`). What can still persist inside the process: the state of
modules the organ imported (attributes set on them, the `random` generator's position, `decimal`'s
context, `re`'s cache), and, for organs that escape the validator, threads, signal handlers and
changes to the worker itself. That is acceptable because it is the same organ within the same
episode, which could carry anything it wants in `memory` anyway, the parent checks every answer and
computes every score, and nothing crosses episodes: each episode gets a new session process.

CPU. RLIMIT_CPU counts the whole process, so the hard limit is the episode's cap
(`Limits.episode_cpu_seconds`) and before each turn the worker moves the soft limit to the CPU used
so far (rounded up) plus `cpu_seconds`, always one second short of the cap: a turn that burns more
than its share gets SIGXCPU, which ends the session (resource_limit). setrlimit is not among the
calls the filter denies, and raising a soft limit up to the hard one needs no privilege, so this
works after lock-down; an organ could raise its own soft limit the same way, but only up to the
episode's cap, and the wall clock still bounds every turn.
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from stem.runtime.sandbox import (CallResult, Sandbox, attach_output, clear_output, judge, no_result_reason,
                                  parse_document, read_output)

FRAME = struct.Struct(">I")
STARTUP_SECONDS = 15.0  # launch, lock-down and compile, before the session counts as unable to start


class SessionError(Exception):
    """The session could not start (the caller takes another path)."""


class _Fault(Exception):
    def __init__(self, kind: str, message: str = ""):
        super().__init__(message or kind)
        self.kind, self.message = kind, message


def frame(payload: bytes) -> bytes:
    return FRAME.pack(len(payload)) + payload


class OrganSession:
    """One episode's organ session. `call(observation)` runs one turn; `close()` kills the process
    group. One caller at a time (calls are serialised by a lock)."""

    def __init__(self, sandbox: Sandbox, source: str, episode_dir: Path | None):
        self.sandbox, self.limits, self.layers = sandbox, sandbox.limits, sandbox.layers
        self.closed = False
        self.ended = ""  # why the session ended early (a fault), for the calls that come after
        self.turns = 0
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self.stdout, self.stderr = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        read_fd, write_fd = os.pipe()
        self.fd = read_fd
        try:  # on the launcher thread: bwrap's --die-with-parent follows the launching thread
            self.proc: subprocess.Popen | None = sandbox.launch(
                lambda: sandbox.popen(episode_dir, write_fd, self.stdout, self.stderr))
        except OSError as exc:
            self.proc = None
            self.close()
            raise SessionError(f"cannot start the organ session: {exc}") from None
        finally:
            os.close(write_fd)
        self._stdin = self.proc.stdin.fileno()
        os.set_blocking(self._stdin, False)
        lim = self.limits
        header = {"mode": "session", "rlimits": lim.session_rlimits(), "seccomp_bpf": sandbox._bpf,
                  "result_fd": write_fd, "cpu_seconds": lim.cpu_seconds, "result_bytes": lim.result_bytes,
                  "log_bytes": lim.log_bytes}
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            self._send(json.dumps(header).encode() + b"\n" + frame(json.dumps({"source": source}).encode()), deadline)
            payload, problem = parse_document(self._receive(deadline))
        except _Fault as fault:
            detail = (read_output(self.stderr, 400)[0].decode("utf-8", "replace").strip().splitlines() or [""])[-1]
            self.close()
            raise SessionError(f"the organ session did not start: {fault.message or fault.kind} {detail}".strip()) from None
        if problem or not payload.get("ready"):
            err = payload.get("error") if payload and isinstance(payload.get("error"), dict) else {}
            self.close()
            raise SessionError(f"the organ session could not lock itself down: {str(err.get('message', problem))[:200]}")

    # -- pipes -----------------------------------------------------------------------------------
    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self._stdin, view):]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Fault("timeout") from None
                select.select([], [self._stdin], [], left)
            except OSError:  # EPIPE: the worker is gone
                raise _Fault("died") from None

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Fault("timeout")
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            raise _Fault("timeout")
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            raise _Fault("died")
        self._buffer += chunk

    def _receive(self, deadline: float) -> bytes:
        while len(self._buffer) < FRAME.size:
            self._fill(deadline)
        (size,) = FRAME.unpack_from(self._buffer)
        if size > self.limits.result_bytes:
            raise _Fault("overflow", f"a result frame of {size} bytes, over the {self.limits.result_bytes}-byte cap")
        end = FRAME.size + size
        while len(self._buffer) < end:
            self._fill(deadline)
        data = bytes(self._buffer[FRAME.size:end])
        del self._buffer[:end]
        return data

    def _stray_bytes(self) -> bool:
        """True when something reached the result pipe outside a turn (nothing should)."""
        return bool(self._buffer) or bool(select.select([self.fd], [], [], 0)[0])

    def _output(self) -> tuple[tuple[bytes, int], tuple[bytes, int]]:
        """This turn's stdout/stderr (the files hold one turn at a time), then emptied."""
        out = (read_output(self.stdout, self.limits.log_bytes), read_output(self.stderr, self.limits.log_bytes))
        clear_output(self.stdout)
        clear_output(self.stderr)
        return out

    # -- one turn --------------------------------------------------------------------------------
    def call(self, observation: dict) -> CallResult:
        with self._lock:
            start = time.monotonic()
            result = CallResult(ok=False, layers=self.layers, path="session")
            if self.closed:
                result.tag = "runtime_exception"
                result.message = f"the organ session has ended ({self.ended or 'closed'}); open a new one"
                return result
            deadline = start + self.limits.wall_seconds
            try:
                if self._stray_bytes():
                    raise _Fault("malformed", "the organ session wrote to its result pipe between turns")
                seq = self.turns + 1
                self._send(frame(json.dumps({"seq": seq, "observation": observation}).encode()), deadline)
                payload, problem = parse_document(self._receive(deadline))
                if not problem and payload.get("seq") != seq:
                    problem = f"it answers request {str(payload.get('seq'))[:20]}, not this turn's request {seq}"
                if problem:
                    raise _Fault("malformed", f"the organ session's result frame is malformed: {problem}")
            except _Fault as fault:
                self._fail(result, fault, deadline)
            else:
                self.turns += 1
                attach_output(result, *self._output(), payload, self.limits.log_bytes)
                judge(result, payload)
            result.wall_ms = (time.monotonic() - start) * 1000
            return result

    def _fail(self, result: CallResult, fault: _Fault, deadline: float) -> None:
        """A fault: the process group goes, the turn gets the reason, the session is over."""
        lim = self.limits
        if fault.kind == "died":  # let the worker finish dying on its own: its exit status says why
            try:
                self.proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                fault = _Fault("timeout")
        Sandbox._kill(self.proc)
        result.exit_code = self.proc.returncode
        attach_output(result, *self._output(), None, lim.log_bytes)
        if fault.kind == "timeout":
            result.tag = "timeout"
            result.message = f"wall-clock limit of {lim.wall_seconds:g}s exceeded; the organ session was killed"
        elif fault.kind == "overflow":
            result.tag = "resource_limit"
            result.message = f"{fault.message}; the organ session was killed"
        elif fault.kind == "died":
            result.tag, result.message = no_result_reason(result.exit_code, lim, result.stderr, session=True)
        else:
            result.tag, result.message = "malformed_response", f"{fault.message}; the organ session was killed"
        self.ended = f"turn {self.turns + 1}: {result.tag}"
        self.close()

    def alive(self) -> bool:
        return not self.closed and self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.proc is not None:
            Sandbox._kill(self.proc)
            if self.proc.stdin is not None:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
        for closer in (lambda: os.close(self.fd), self.stdout.close, self.stderr.close):
            try:
                closer()
            except OSError:
                pass
        self.sandbox.forget_session(self)

    def __enter__(self) -> "OrganSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
