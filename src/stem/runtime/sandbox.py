"""Run organ code in isolated worker processes and bring back schema-checked JSON results.

Every worker is launched the same way: setpriv (drop to uid nobody when we are root) -> bwrap (every
namespace unshared, read-only system dirs, only this episode's public files at /episode, empty
environment, new session, die-with-parent) -> system python running worker.py, which applies
rlimits, no_new_privs and the seccomp filter before it reads any organ code. Results come back on
a dedicated pipe (an inherited fd); what the organ prints goes to stdout/stderr files, at most
`log_bytes` per stream per call (the worker's sinks drop and count the rest; the parent keeps the
head and notes a flood). On a timeout, an overflow or a protocol fault the whole process group is
killed; the pid namespace takes every descendant with it. Three paths, one isolation:

- per call (`mode="per_call"`, and whenever there is no staged episode): a fresh process per call.
  With `prestart=N` a pool of N workers is launched (and locked down) ahead of the calls and
  refilled after each take, so a call pays only for the job round-trip when the pool has had time
  to boot; every call still gets a process that has run nothing before.
- fork server (`Sandbox.call` on a staged episode, unless `mode="per_call"`): one worker per episode
  locks itself down with a filter that still allows fork (but no exec, sockets, ...) and never runs
  organ code; each call is a child forked from it that sets the organ's rlimits and the full filter
  (no fork) before it parses the job. The server kills a child past the wall limit; the parent has
  its own deadline on the server, kills it on any protocol fault, and falls back to the per-call
  path when a server cannot start or is busy.
- organ session (`Sandbox.session`, see organ_session.py; the default for episodes, `mode="session"`):
  one worker per episode, locked down like a per-call worker, compiles the organ once and serves every
  turn; the parent frames, caps, times and schema-checks each turn. runtime/organ_turn.py opens it
  and falls back to `Sandbox.call` (fork server, then per call) when a session cannot start, or
  when the episode has fewer turns than `session_min_turns` (training sets 12: its candidates all
  run the same episodes and share each one's fork server).
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stem.errors import StemError
from stem.runtime import isolation
from stem.runtime.result_schema import check_response
from stem.runtime.seccomp_filter import compile_bpf

if TYPE_CHECKING:
    from stem.runtime.organ_session import OrganSession

WORKER_SOURCE = Path(__file__).with_name("worker.py")
SANDBOX_EPISODE_DIR = "/episode"
MODES = ("session", "fork_server", "per_call")
# An organ session starts a sandboxed interpreter per run of an episode (about 25 ms on this project's
# 2-core machine); a fork-server turn costs about 2-5 ms, and an episode's fork server is started once
# and shared by every later run of the episode. A caller that runs the same episodes again and again
# (training: every candidate on the same train episodes) sends episodes shorter than this many turns
# to the fork server (Sandbox(session_min_turns=...)); a one-off run is cheaper in a session.
REUSED_EPISODES_SESSION_MIN_TURNS = 12
_STOP = object()


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 5.0
    cpu_seconds: int = 4
    memory_mb: int = 512
    file_size_bytes: int = 1_000_000
    open_files: int = 64
    processes: int = 64
    result_bytes: int = 2_000_000
    log_bytes: int = 20_000
    episode_cpu_seconds: int = 600  # an organ session's CPU for a whole episode (each turn still has cpu_seconds)

    def rlimits(self) -> dict[str, int]:
        """(soft, hard) pairs; CPU's hard limit is one second later so SIGXCPU arrives first."""
        return {"RLIMIT_CPU": [self.cpu_seconds, self.cpu_seconds + 1],
                "RLIMIT_AS": [self.memory_mb * 1024 * 1024] * 2,
                "RLIMIT_FSIZE": [self.file_size_bytes] * 2, "RLIMIT_NOFILE": [self.open_files] * 2,
                "RLIMIT_NPROC": [self.processes] * 2, "RLIMIT_CORE": [0, 0]}

    def session_rlimits(self) -> dict[str, int]:
        """An organ session's: CPU's hard limit is the episode's cap; the worker moves the soft limit
        before each turn to the CPU used so far plus cpu_seconds (worker.turn_cpu_limit)."""
        cap = max(self.episode_cpu_seconds, self.cpu_seconds + 1)
        return self.rlimits() | {"RLIMIT_CPU": [min(self.cpu_seconds, cap - 1), cap]}


@dataclass
class CallResult:
    ok: bool
    response: dict | None = None
    tag: str | None = None
    message: str = ""
    line: int | None = None
    wall_ms: float = 0.0
    exit_code: int | None = None
    stdout: str = ""  # what the organ printed on this call: the first log_bytes, with a note if it flooded
    stderr: str = ""
    layers: list[str] = field(default_factory=list)
    path: str = "per_call"  # which path ran the call: session, fork_server or per_call
    dropped: dict[str, int] = field(default_factory=dict)  # bytes of output cut, per stream (only when some were)

    @property
    def output(self) -> dict[str, str]:
        """The organ's output on this call, for TurnReply/TurnFailure: only the non-empty streams."""
        return {name: text for name, text in (("stdout", self.stdout), ("stderr", self.stderr)) if text}


class _Runtime:
    """A world-readable directory holding the worker script and staged public episode files."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="stem-sandbox-"))
        os.chmod(self.root, 0o755)
        self.worker = self.root / "worker.py"
        shutil.copyfile(WORKER_SOURCE, self.worker)
        os.chmod(self.worker, 0o644)
        atexit.register(shutil.rmtree, self.root, True)

    def stage(self, public_files: dict[str, str]) -> Path:
        digest = hashlib.sha256(json.dumps(public_files, sort_keys=True).encode()).hexdigest()[:16]
        target = self.root / "episodes" / digest
        if not target.is_dir():
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".stage-"))
            for name, text in public_files.items():
                (tmp / name).write_text(text, encoding="utf-8")
                os.chmod(tmp / name, 0o444)
            os.chmod(tmp, 0o555)
            (self.root / "episodes").mkdir(exist_ok=True, mode=0o755)
            os.chmod(self.root / "episodes", 0o755)
            try:
                os.rename(tmp, target)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
        return target


@dataclass
class _Worker:
    proc: subprocess.Popen
    result_fd: int
    stdout: Any
    stderr: Any
    episode_dir: Path | None


def _bind_system(args: list[str]) -> None:
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", "/usr", "/usr"]


class Sandbox:
    def __init__(self, limits: Limits | None = None, unsafe_no_isolation: bool = False, prestart: int = 0,
                 uid: int = isolation.NOBODY, mode: str = "session", session_min_turns: int = 1):
        """`uid`: the unprivileged uid workers run as when stem itself runs as root. `mode`, how an
        episode's turns run: "session" (one organ session per episode of at least `session_min_turns`
        turns, see organ_turn; shorter ones go to the fork server), "fork_server" (each turn a fresh
        child of the episode's fork server) or "per_call" (a new sandboxed process per turn). `call()`
        itself uses the fork server on a staged episode unless mode is per_call."""
        if mode not in MODES:
            raise StemError(f"unknown sandbox mode '{mode}'; use one of: {', '.join(MODES)}")
        self.mode, self.session_min_turns = mode, session_min_turns
        self.fork_server = mode != "per_call"
        self._sessions: set = set()
        self._sessions_lock = threading.Lock()
        self._zygotes: dict[Path, Zygote] = {}
        self._zygotes_lock = threading.Lock()
        self._launcher: threading.Thread | None = None
        self._launcher_lock = threading.Lock()
        self._launches: queue.Queue = queue.Queue()
        self.limits = limits or Limits()
        self.report = isolation.detect()
        self.unsafe = unsafe_no_isolation
        if not self.report.isolated and not unsafe_no_isolation:
            raise StemError("isolation unavailable: " + "; ".join(self.report.missing())
                            + ". Fix it (see `stem doctor`) or pass --unsafe-no-isolation to run organs unisolated")
        self.prestart = int(prestart)
        self._drop_uid = isolation.drop_uid_prefix(uid) if self.report.drop_uid else []
        self._runtime = _Runtime()
        self._ready: list[_Worker] = []
        self._pool = threading.Condition()
        self._pending = 0
        self._bpf = base64.b64encode(compile_bpf()).decode() if self._layer("seccomp") else ""
        self._zygote_bpf = base64.b64encode(compile_bpf(allow_fork=True)).decode() if self._bpf else ""

    def _layer(self, name: str) -> bool:
        return any(layer.name == name and layer.available for layer in self.report.layers)

    @property
    def layers(self) -> list[str]:
        if self.unsafe:
            return ["rlimits"] + (["seccomp"] if self._bpf else []) + ["UNSAFE: no namespaces"]
        return ["bubblewrap", "namespaces", "non-root uid", "seccomp", "rlimits"]

    # -- process launch -------------------------------------------------------------------
    def _command(self, episode_dir: Path | None) -> list[str]:
        if self.unsafe:
            python = self.report.interpreter or "python3"
            return [python, "-I", "-S", "-B", "-X", "utf8", str(self._runtime.worker)]
        args = [self.report.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL", "--clearenv", "--setenv", "LANG", "C.UTF-8"]
        _bind_system(args)
        args += ["--dev", "/dev", "--ro-bind", str(self._runtime.worker), "/stem/worker.py"]
        if episode_dir is not None:
            args += ["--ro-bind", str(episode_dir), SANDBOX_EPISODE_DIR]
        args += ["--remount-ro", "/", "--chdir", "/", "--",
                 self.report.interpreter, "-I", "-S", "-B", "-X", "utf8", "/stem/worker.py"]
        return self._drop_uid + args

    def popen(self, episode_dir: Path | None, result_fd: int, stdout: Any, stderr: Any) -> subprocess.Popen:
        """Start one worker (not yet locked down: its header line does that) with `result_fd` inherited."""
        env = {} if not self.unsafe else {"LANG": "C.UTF-8"}
        cwd = str(episode_dir) if (self.unsafe and episode_dir) else "/"
        return subprocess.Popen(self._command(episode_dir), stdin=subprocess.PIPE, stdout=stdout, stderr=stderr,
                                pass_fds=(result_fd,), start_new_session=True, env=env, cwd=cwd)

    def _spawn(self, episode_dir: Path | None) -> _Worker:
        read_fd, write_fd = os.pipe()
        out = tempfile.TemporaryFile()
        err = tempfile.TemporaryFile()
        try:
            proc = self.popen(episode_dir, write_fd, out, err)
        finally:
            os.close(write_fd)
        header = {"rlimits": self.limits.rlimits(), "seccomp_bpf": self._bpf, "result_fd": write_fd,
                  "log_bytes": self.limits.log_bytes}
        try:
            proc.stdin.write((json.dumps(header) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        return _Worker(proc, read_fd, out, err, episode_dir)

    def _take(self, episode_dir: Path | None) -> _Worker:
        with self._pool:
            self._pool.wait_for(lambda: self._pending == 0)
            while self._ready:
                worker = self._ready.pop(0)
                if worker.episode_dir == episode_dir and worker.proc.poll() is None:
                    return worker
                self._discard(worker)
        return self._spawn(episode_dir)

    def warm(self, episode_dir: Path | None = None) -> None:
        """Top the pre-start pool up for this episode (no-op without prestart); the launches happen on
        the launcher thread (see launch())."""
        if not self.prestart:
            return
        with self._pool:
            missing = self.prestart - len(self._ready) - self._pending
            self._pending += max(0, missing)
        for _ in range(max(0, missing)):
            self._submit(lambda: self._prestart_one(episode_dir))

    def _prestart_one(self, episode_dir: Path | None) -> None:
        try:
            worker = self._spawn(episode_dir)
        except OSError:
            worker = None
        with self._pool:
            if worker is not None:
                self._ready.append(worker)
            self._pending -= 1
            self._pool.notify_all()

    def _discard(self, worker: _Worker) -> None:
        self._kill(worker.proc)
        os.close(worker.result_fd)
        worker.stdout.close()
        worker.stderr.close()

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # -- fork server ------------------------------------------------------------------------
    def launch(self, start: Any) -> Any:
        """Run `start()` (a process launch) on the launcher thread and return its result. Every process
        that outlives one call (pre-started workers, fork servers, organ sessions) is launched there: bwrap's
        --die-with-parent watches the *thread* that started it, so a short-lived thread would take
        its processes down with it."""
        box: queue.Queue = queue.Queue(maxsize=1)
        self._submit(start, box)
        ok, value = box.get()
        if not ok:
            raise value
        return value

    def _submit(self, job: Any, box: queue.Queue | None = None) -> None:
        """Queue `job` for the launcher thread (started on first use, stopped by close())."""
        with self._launcher_lock:
            if self._launcher is None:
                self._launcher = threading.Thread(target=self._launch_loop, name="stem-sandbox-launcher", daemon=True)
                self._launcher.start()
        self._launches.put((job, box))

    def _launch_loop(self) -> None:
        while True:
            item = self._launches.get()
            if item is _STOP:
                return
            job, box = item
            try:
                value = job()
            except BaseException as exc:  # handed back to the caller's thread (a queued job handles its own)
                if box is not None:
                    box.put((False, exc))
                continue
            if box is not None:
                box.put((True, value))

    def _zygote(self, episode_dir: Path) -> "Zygote | None":
        """This episode's fork server, locked for the caller; None when it is busy or cannot start
        (the caller then takes the one-process-per-call path)."""
        with self._zygotes_lock:
            zygote = self._zygotes.pop(episode_dir, None)
            if zygote is not None and not zygote.alive():
                zygote.close()
                zygote = None
            if zygote is None:
                while len(self._zygotes) >= ZYGOTES_KEPT:
                    self._zygotes.pop(next(iter(self._zygotes))).close()
                try:
                    zygote = Zygote(self, episode_dir)
                except ZygoteError:
                    return None
            self._zygotes[episode_dir] = zygote  # most recently used last
        return zygote if zygote.lock.acquire(blocking=False) else None

    def _zygote_call(self, zygote: "Zygote", source: str, observation: dict) -> CallResult | None:
        """The call through the fork server; None when the server itself failed (it is closed and the
        caller runs this call on the per-call path), a timeout result when it did not answer in time."""
        start = time.monotonic()
        job = json.dumps({"source": source, "observation": observation}) + "\n"
        try:
            status, exit_code, raw = zygote.call(job.encode(), start + self.limits.wall_seconds + ZYGOTE_GRACE)
        except ZygoteError as exc:
            output = zygote.logs(self.limits.log_bytes)
            zygote.close()
            if not exc.timeout:
                return None
            result = CallResult(ok=False, wall_ms=(time.monotonic() - start) * 1000, layers=self.layers,
                                path="fork_server")
            attach_output(result, *output, None, self.limits.log_bytes)
            result.tag = "timeout"
            result.message = f"wall-clock limit of {self.limits.wall_seconds:g}s exceeded; the fork server was killed"
            return result
        return self._finish(raw, exit_code, status == "timeout", status == "overflow", start,
                            *zygote.logs(self.limits.log_bytes), path="fork_server")

    def close_fork_servers(self) -> None:
        """Kill every fork server (their pid namespaces take any descendant with them)."""
        with self._zygotes_lock:
            while self._zygotes:
                self._zygotes.popitem()[1].close()

    # -- organ sessions ---------------------------------------------------------------------
    def session(self, source: str, episode_dir: Path | None) -> "OrganSession":
        """One organ session for one episode (see organ_session.py): a locked-down worker that compiles
        `source` once and serves every turn. A context manager; raises SessionError when it cannot
        start (the caller then takes the fork-server or per-call path)."""
        from stem.runtime.organ_session import OrganSession
        session = OrganSession(self, source, episode_dir)
        with self._sessions_lock:
            self._sessions.add(session)
        return session

    def forget_session(self, session: "OrganSession") -> None:
        with self._sessions_lock:
            self._sessions.discard(session)

    def close_sessions(self) -> None:
        """Kill every organ session still open (a caller that forgot close() leaves nothing behind)."""
        with self._sessions_lock:
            sessions, self._sessions = list(self._sessions), set()
        for session in sessions:
            session.close()

    def close(self) -> None:
        self.close_sessions()
        self.close_fork_servers()
        if self._launcher is not None:  # queued pre-starts finish first; their workers are discarded below
            self._launches.put(_STOP)
            self._launcher.join(timeout=10)
            self._launcher = None
        with self._pool:
            while self._ready:
                self._discard(self._ready.pop())

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one call ---------------------------------------------------------------------------
    def stage(self, public_files: dict[str, str]) -> Path:
        return self._runtime.stage(public_files)

    def artifacts_dir(self, episode_dir: Path | None) -> str:
        if episode_dir is None:
            return ""
        return str(episode_dir) if self.unsafe else SANDBOX_EPISODE_DIR

    def call(self, source: str, observation: dict, episode_dir: Path | None = None) -> CallResult:
        if self.fork_server and episode_dir is not None and not self.unsafe:
            zygote = self._zygote(episode_dir)
            if zygote is not None:
                try:
                    result = self._zygote_call(zygote, source, observation)
                finally:
                    zygote.lock.release()
                if result is not None:
                    return result
        worker = self._take(episode_dir)
        start = time.monotonic()
        job = json.dumps({"source": source, "observation": observation}) + "\n"
        try:
            worker.proc.stdin.write(job.encode())
            worker.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        try:
            return self._collect(worker, start)
        finally:
            os.close(worker.result_fd)
            worker.stdout.close()
            worker.stderr.close()
            self.warm(episode_dir)

    def _collect(self, worker: _Worker, start: float) -> CallResult:
        lim = self.limits
        deadline = start + lim.wall_seconds
        chunks: list[bytes] = []
        size = 0
        timed_out = overflow = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([worker.result_fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(worker.result_fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > lim.result_bytes:
                overflow = True
                break
            chunks.append(chunk)
        if not (timed_out or overflow or chunks):  # no result yet: let the worker finish exiting
            try:
                worker.proc.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
        # one kill for every path: a worker with its result in hand is not worth waiting for, and the
        # whole group goes even after a clean exit (orphans die with it)
        self._kill(worker.proc)
        return self._finish(b"".join(chunks), worker.proc.returncode, timed_out, overflow, start,
                            read_output(worker.stdout, lim.log_bytes), read_output(worker.stderr, lim.log_bytes))

    def _finish(self, raw: bytes, exit_code: int | None, timed_out: bool, overflow: bool, start: float,
                stdout: tuple[bytes, int], stderr: tuple[bytes, int], path: str = "per_call") -> CallResult:
        """What a call came to: the parent's schema check of the one result document (never trusted)."""
        lim = self.limits
        result = CallResult(ok=False, wall_ms=(time.monotonic() - start) * 1000, exit_code=exit_code,
                            layers=self.layers, path=path)
        payload, problem = parse_document(raw) if raw and not (timed_out or overflow) else (None, "")
        attach_output(result, stdout, stderr, payload, lim.log_bytes)
        if timed_out:
            result.tag, result.message = "timeout", f"wall-clock limit of {lim.wall_seconds:g}s exceeded; the worker was killed"
        elif overflow:
            result.tag, result.message = "resource_limit", f"result larger than {lim.result_bytes} bytes; the worker was killed"
        elif not raw:
            result.tag, result.message = no_result_reason(exit_code, lim, result.stderr)
        elif problem:
            result.tag, result.message = "malformed_response", problem
        else:
            judge(result, payload)
        return result


def parse_document(raw: bytes) -> tuple[dict | None, str]:
    """(the worker's result document, "") or (None, what is wrong with it)."""
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None, "the worker's result was not one JSON document"
    if not isinstance(payload, dict) or not isinstance(payload.get("ok"), bool):
        return None, "the worker's result has no 'ok' field"
    return payload, ""


def judge(result: CallResult, payload: dict) -> None:
    """Fill `result` from a well-formed document: the organ's reported failure, or its response if the
    response passes the schema check."""
    if not payload["ok"]:
        err = payload.get("error") if isinstance(payload.get("error"), dict) else {}
        result.tag = str(err.get("tag", "runtime_exception"))[:100]
        result.message = str(err.get("message", "the organ failed"))[:2000]
        result.line = err.get("line") if isinstance(err.get("line"), int) else None
        return
    problem = check_response(payload.get("response"))
    if problem:
        result.tag, result.message = "malformed_response", problem
        return
    result.ok, result.response = True, payload["response"]


def read_output(fh: Any, limit: int) -> tuple[bytes, int]:
    """The first `limit` bytes the organ wrote to one of its output files, and how many came after."""
    fd = fh.fileno()
    size = os.fstat(fd).st_size
    if not size:
        return b"", 0
    return os.pread(fd, min(size, limit), 0), max(0, size - limit)


def clear_output(fh: Any) -> None:
    """Empty an output file shared with a live worker (the file offset is shared too: it goes to 0)."""
    fd = fh.fileno()
    if os.fstat(fd).st_size:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)


def _reported_drops(payload: dict | None) -> dict[str, int]:
    """What the worker says its sinks dropped (untrusted: only shown, and clamped)."""
    dropped = payload.get("dropped") if isinstance(payload, dict) else None
    if not isinstance(dropped, dict):
        return {}
    return {k: min(v, 10 ** 15) for k, v in dropped.items()
            if k in ("stdout", "stderr") and isinstance(v, int) and not isinstance(v, bool) and v > 0}


def attach_output(result: CallResult, stdout: tuple[bytes, int], stderr: tuple[bytes, int], payload: dict | None,
                  limit: int) -> None:
    """The call's stdout/stderr as text of at most `limit` characters each; a stream that flooded keeps
    its head and ends with a note saying how many bytes were dropped (by the worker's sink and here)."""
    reported = _reported_drops(payload)
    for name, (head, cut) in (("stdout", stdout), ("stderr", stderr)):
        dropped = cut + reported.get(name, 0)
        if dropped:
            note = f"\n[print flood: {dropped} bytes dropped after the first {len(head)}]"
            text = head[:max(0, limit - len(note))].decode("utf-8", "replace") + note
            result.dropped[name] = dropped
        else:
            text = head.decode("utf-8", "replace")
        setattr(result, name, text)


def no_result_reason(code: int | None, lim: Limits, stderr: str, session: bool = False) -> tuple[str, str]:
    sig = -code if code is not None and code < 0 else (code - 128 if code is not None and code > 128 else None)
    if sig == signal.SIGXCPU or sig == signal.SIGKILL and "CPU" in stderr:
        if session:
            return "resource_limit", (f"CPU limit reached: {lim.cpu_seconds}s for the turn (or the episode's "
                                      f"{lim.episode_cpu_seconds}s); the organ session was ended")
        return "resource_limit", f"CPU limit of {lim.cpu_seconds}s reached"
    if sig == signal.SIGXFSZ:
        return "resource_limit", f"file-size limit of {lim.file_size_bytes} bytes reached"
    if sig is not None:
        return "runtime_exception", f"the worker died from signal {signal.Signals(sig).name}"
    tail = stderr.strip().splitlines()[-1:] or [""]
    return "runtime_exception", f"the organ exited (code {code}) without returning a result {tail[0][:200]}".strip()


ZYGOTES_KEPT = 8  # fork servers alive at once (one per episode in use); the least recently used goes
ZYGOTE_GRACE = 2.0  # seconds past the wall limit before the parent gives up on a fork server


class ZygoteError(Exception):
    def __init__(self, message: str, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


class Zygote:
    """One episode's fork server: launched like a worker (setpriv, bwrap, the episode's public dir),
    it locks itself down and then forks a child per job; for each job the parent reads one reply
    header "<status> <exit code> <length>\n" (see worker.zygote) and then <length> result bytes from
    a dedicated pipe, with its own deadline on top of the server's."""

    def __init__(self, sandbox: Sandbox, episode_dir: Path):
        self.lock = threading.Lock()
        self.buffer = b""
        read_fd, write_fd = os.pipe()
        self.stdout, self.stderr = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        try:  # launched from the sandbox's long-lived launcher thread: bwrap's --die-with-parent follows
            # the launching *thread*, and a server outlives the (short-lived) thread that first needs it
            self.proc = sandbox.launch(lambda: sandbox.popen(episode_dir, write_fd, self.stdout, self.stderr))
        except OSError as exc:
            os.close(read_fd)
            raise ZygoteError(f"cannot start the fork server: {exc}") from None
        finally:
            os.close(write_fd)
        self.fd = read_fd
        lim = sandbox.limits
        zygote_limits = {k: v for k, v in lim.rlimits().items() if k != "RLIMIT_CPU"}
        header = {"mode": "zygote", "rlimits": lim.rlimits(), "seccomp_bpf": sandbox._bpf,
                  "zygote_rlimits": zygote_limits, "zygote_seccomp_bpf": sandbox._zygote_bpf,
                  "result_fd": write_fd, "wall_seconds": lim.wall_seconds, "result_bytes": lim.result_bytes,
                  "log_bytes": lim.log_bytes}
        try:
            self.proc.stdin.write((json.dumps(header) + "\n").encode())
            self.proc.stdin.flush()
            ready = self._line(time.monotonic() + 15)
        except (OSError, ZygoteError) as exc:
            self.close()
            raise ZygoteError(f"the fork server did not start: {exc}") from None
        if ready != b"ready":
            self.close()
            raise ZygoteError(f"the fork server could not lock itself down: {ready[:200]!r}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ZygoteError("the fork server did not answer in time", timeout=True)
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            raise ZygoteError("the fork server did not answer in time", timeout=True)
        chunk = os.read(self.fd, 65536)
        if not chunk:
            raise ZygoteError("the fork server exited")
        self.buffer += chunk

    def _line(self, deadline: float) -> bytes:
        while b"\n" not in self.buffer:
            if len(self.buffer) > 200:
                raise ZygoteError("the fork server's reply header is malformed")
            self._fill(deadline)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def call(self, job: bytes, deadline: float) -> tuple[str, int, bytes]:
        try:
            self.proc.stdin.write(job)
            self.proc.stdin.flush()
        except OSError:
            raise ZygoteError("the fork server exited") from None
        parts = self._line(deadline).split(b" ")
        if len(parts) != 3 or not parts[2].isdigit():
            raise ZygoteError("the fork server's reply header is malformed")
        status, code, size = parts[0].decode(errors="replace"), int(parts[1]), int(parts[2])
        while len(self.buffer) < size:
            self._fill(deadline)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return status, code, data

    def logs(self, limit: int) -> tuple[tuple[bytes, int], tuple[bytes, int]]:
        """What the last call's child wrote (the files are shared by the episode's calls), then emptied."""
        out = (read_output(self.stdout, limit), read_output(self.stderr, limit))
        for fh in (self.stdout, self.stderr):
            clear_output(fh)
        return out

    def close(self) -> None:
        Sandbox._kill(self.proc)
        for closer in (lambda: os.close(self.fd), self.stdout.close, self.stderr.close):
            try:
                closer()
            except OSError:
                pass
