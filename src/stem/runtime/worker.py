"""The sandboxed worker: runs inside bubblewrap as a non-root uid, with the system interpreter.

Standard library only (the stem package is not mounted in the sandbox). It runs in one of three modes,
named by the header line the parent writes first on stdin:

- one call (the default): lock down (rlimits, no_new_privs, seccomp filter), only then read the job
  (organ source + observation), exec the organ, call run() once, write exactly one JSON document to
  the result pipe (an inherited fd named in the header) and exit;
- fork server ("zygote", see zygote()): lock down with a filter that still allows fork, then fork one
  child per job line; each child locks down fully before it parses the job, and runs it as above;
- organ session ("session", see session()): lock down as for one call (the same rlimits, except
  that CPU's hard limit is the episode's cap; no_new_privs; the full filter: no fork, exec,
  sockets ...), only then read the organ source and compile it once, then serve every turn of one
  episode: for each observation frame, execute the compiled module into a fresh namespace, call
  run() and write one length-prefixed result frame.

What the organ prints goes through bounded sinks (sys.stdout/sys.stderr): at most `log_bytes` per
stream per call reach the inherited stdout/stderr files, the rest is counted and reported as
`dropped` in the result document, and a print never raises (a flood is not an organ crash).

The parent trusts nothing written here: it frames, caps and schema-checks every result, enforces the
wall clock, and computes every score. Never pickle.
"""

import binascii
import ctypes
import io
import json
import math
import os
import resource
import struct
import sys

RESULT_FD = 3  # replaced by the header's result_fd
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
FRAME = struct.Struct(">I")  # a session frame: 4-byte big-endian length, then that many bytes of JSON


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def prepare(header):
    """Decode the limits and the filter once (the fork server does this before it forks anything)."""
    rlimits = [(getattr(resource, name), (soft, hard)) for name, (soft, hard) in header.get("rlimits", {}).items()]
    bpf = binascii.a2b_base64(header.get("seccomp_bpf", ""))  # binascii: base64 would import re at start-up
    if not bpf:
        return rlimits, None, None, None
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    return rlimits, ctypes.CDLL(None, use_errno=True), buf, prog


def apply(prepared):
    rlimits, libc, _buf, prog = prepared
    for which, pair in rlimits:
        resource.setrlimit(which, pair)
    if libc is None:
        return
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(SECCOMP) failed")


def lock_down(header):
    apply(prepare(header))


class Sink(io.TextIOBase):
    """sys.stdout / sys.stderr for the organ: writes go straight to `fd` until `cap` bytes have gone
    this call, later bytes are only counted; a write never raises (EFBIG included)."""

    def __init__(self, fd, cap):
        super().__init__()
        self.fd, self.cap = fd, cap
        self.kept = self.dropped = 0

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        data = text.encode("utf-8", "replace")
        room = max(0, self.cap - self.kept)
        part = memoryview(data[:room])
        self.kept += len(part)
        self.dropped += len(data) - len(part)
        while part:
            try:
                written = os.write(self.fd, part)
            except OSError:  # e.g. the file-size limit: what did not fit is dropped, not an organ crash
                self.dropped += len(part)
                break
            part = part[written:]
        return len(text)

    def flush(self):
        pass

    def reset(self):
        self.kept = self.dropped = 0


def install_sinks(header):
    sinks = (Sink(1, int(header.get("log_bytes", 20_000))), Sink(2, int(header.get("log_bytes", 20_000))))
    sys.stdout, sys.stderr = sinks
    return sinks


def organ_line(tb):
    """The innermost organ line in a traceback (walked directly: the traceback module is slow to import)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<organ>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def failure(exc):
    """The result document for an organ that raised `exc` (compiling, executing or in run())."""
    line = organ_line(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename == "<organ>":
        line = exc.lineno
    if isinstance(exc, MemoryError):
        return {"ok": False, "error": {"tag": "resource_limit", "message": "MemoryError: address-space limit reached",
                                       "line": line}}
    if isinstance(exc, RecursionError):
        return {"ok": False, "error": {"tag": "runtime_exception", "message": f"RecursionError: {exc}", "line": line}}
    # SystemExit included: exiting early is a crash, not an answer
    return {"ok": False, "error": {"tag": "runtime_exception", "message": f"{type(exc).__name__}: {exc}"[:2000],
                                   "line": line}}


def outcome(code, observation):
    """Execute the compiled organ into a fresh namespace and call run(observation) once."""
    namespace = {"__name__": "organ"}
    try:
        exec(code, namespace)
        run = namespace.get("run")
        if not callable(run):
            raise TypeError("the organ defines no callable run(observation)")
        return {"ok": True, "response": run(observation)}
    except BaseException as exc:
        return failure(exc)
    finally:
        namespace.clear()  # breaks the function <-> globals cycles now, not at the next collection


def encode(doc):
    """The document as JSON bytes; a response that is not plain JSON becomes a malformed_response."""
    try:
        return json.dumps(doc, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        doc = {"ok": False, "error": {"tag": "malformed_response",
                                      "message": f"run() returned something that is not plain JSON: {exc}"[:2000]}}
    except MemoryError:
        doc = {"ok": False, "error": {"tag": "resource_limit", "message": "MemoryError while encoding the result"}}
    return json.dumps(doc).encode("utf-8")


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def emit(result):
    write_all(RESULT_FD, encode(result))
    os.close(RESULT_FD)


def run_job(job, sinks=None):
    """Exec the organ and call run() once; exactly one result document goes to RESULT_FD."""
    try:
        code = compile(job["source"], "<organ>", "exec")
    except BaseException as exc:
        doc = failure(exc)
    else:
        doc = outcome(code, job["observation"])
    if sinks:
        doc["dropped"] = {"stdout": sinks[0].dropped, "stderr": sinks[1].dropped}
    emit(doc)


def main():
    global RESULT_FD
    header = json.loads(sys.stdin.buffer.readline())  # binary: a text read-ahead would swallow a session's frames
    RESULT_FD = int(header.get("result_fd", RESULT_FD))
    if header.get("mode") == "zygote":
        return zygote(header)
    if header.get("mode") == "session":
        return session(header)
    try:
        lock_down(header)
    except Exception as exc:  # a sandbox that cannot lock itself down must not run the organ
        emit({"ok": False, "error": {"tag": "sandbox_setup_failed", "message": f"{type(exc).__name__}: {exc}"}})
        return
    job = json.loads(sys.stdin.readline())
    sys.stdin.close()
    run_job(job, install_sinks(header))


def zygote(header):
    """Fork server. Locked down once (rlimits, and a seccomp filter that still allows fork but no exec,
    sockets, ...), it never runs organ code itself: for each job line on stdin it forks a child, which
    tightens its own rlimits and installs the full filter (no fork) before it parses the job and runs
    the organ. The zygote relays "<status> <exit code> <length>\\n" and then <length> bytes of the
    child's result on RESULT_FD (status: ok, timeout or overflow; the exit code is 0 while the child
    is still being reaped, and says why when there is no result), and kills a child that outlives
    the wall-clock limit."""
    global RESULT_FD
    import select
    import signal
    import time
    reply_fd = RESULT_FD
    try:
        lock_down({"rlimits": header.get("zygote_rlimits", {}), "seccomp_bpf": header.get("zygote_seccomp_bpf", "")})
        child_lock = prepare(header)  # the organ's limits and full filter, applied by each child
    except Exception as exc:
        os.write(reply_fd, f"setup {exc}\n".encode())
        return
    os.write(reply_fd, b"ready\n")
    import gc
    gc.freeze()  # the server's objects stay shared with the children (fewer copy-on-write faults)
    wall = float(header.get("wall_seconds", 5.0))
    cap = int(header.get("result_bytes", 2_000_000))
    while True:
        line = sys.stdin.buffer.readline()
        if not line:
            return
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: keep only its result pipe, lock down fully, then parse and run
            RESULT_FD = write_fd
            os.closerange(3, write_fd)  # the zygote's reply pipe and job stream are not the organ's
            os.closerange(write_fd + 1, 1024)
            null = os.open("/dev/null", os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            try:
                os.setpgid(0, 0)
                apply(child_lock)
            except Exception as exc:
                emit({"ok": False, "error": {"tag": "sandbox_setup_failed", "message": f"{type(exc).__name__}: {exc}"}})
                os._exit(0)
            try:
                run_job(json.loads(line), install_sinks(header))
            finally:
                os._exit(0)
        os.close(write_fd)
        deadline = time.monotonic() + wall
        chunks, size, status = [], 0, "ok"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                status = "timeout"
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                status = "overflow"
                break
            chunks.append(chunk)
        os.close(read_fd)
        if status != "ok":
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        data = b"".join(chunks) if status == "ok" else b""
        if data:  # the answer is in hand: reply first, reap the exiting child after
            os.write(reply_fd, f"{status} 0 {len(data)}\n".encode() + data)
        try:
            _, code = os.waitpid(pid, 0)
        except ChildProcessError:
            code = 0
        if not data:  # no answer: the exit status says why (a signal, a limit, an early exit)
            exit_code = -os.WTERMSIG(code) if os.WIFSIGNALED(code) else os.WEXITSTATUS(code)
            os.write(reply_fd, f"{status} {exit_code} 0\n".encode())


def read_exactly(stream, size):
    data = stream.read(size)
    if data is None or len(data) < size:
        return None
    return data


def read_frame(stream):
    head = read_exactly(stream, FRAME.size)
    if head is None:
        return None
    body = read_exactly(stream, FRAME.unpack(head)[0])
    return None if body is None else json.loads(body)


def send_frame(doc, cap=None):
    data = encode(doc)
    if cap is not None and len(data) > cap:
        data = encode({"ok": False, "error": {"tag": "resource_limit", "message": f"result larger than {cap} bytes"},
                       "dropped": doc.get("dropped"), "seq": doc.get("seq")})
    write_all(RESULT_FD, FRAME.pack(len(data)) + data)


def turn_cpu_limit(cpu_seconds):
    """RLIMIT_CPU counts the whole process: before each turn the soft limit moves to the CPU used so far
    (rounded up) plus one turn's allowance, never past one second short of the hard limit (the episode's
    cap), so SIGXCPU ends a turn that burns more than its share and SIGKILL backs it up."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used.ru_utime + used.ru_stime) + cpu_seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard - 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def session(header):
    """Organ session: one process serves every turn of one episode. Locked down like a one-call worker
    (the full filter: no fork, exec, sockets ...) before it reads anything else; then one frame holds
    the organ source, compiled once; the worker answers {"ready": true}. Each later frame holds one
    observation: the per-turn CPU limit is set (turn_cpu_limit), the compiled module runs into a
    fresh namespace (so module-level names are rebuilt every turn; only `memory`, sent by the parent,
    carries), and one result frame goes back, carrying the request's "seq". Stdin closing ends the
    session."""
    try:
        lock_down(header)
    except Exception as exc:
        send_frame({"ok": False, "error": {"tag": "sandbox_setup_failed", "message": f"{type(exc).__name__}: {exc}"}})
        return
    cpu_seconds = int(header.get("cpu_seconds", 4))
    cap = int(header.get("result_bytes", 2_000_000))
    stdin = sys.stdin.buffer
    sys.stdin = io.StringIO()  # the organ reads nothing from the parent's job stream
    job = read_frame(stdin)
    if job is None:
        return
    try:
        code = compile(job["source"], "<organ>", "exec")
        broken = None
    except BaseException as exc:
        code, broken = None, failure(exc)
    del job
    sinks = install_sinks(header)
    send_frame({"ok": True, "ready": True})
    while True:
        job = read_frame(stdin)
        if job is None:
            return
        for sink in sinks:
            sink.reset()
        try:
            turn_cpu_limit(cpu_seconds)
            doc = dict(broken) if broken else outcome(code, job["observation"])
        except BaseException as exc:  # whatever the organ left behind, the turn gets its one answer
            doc = failure(exc)
        doc["seq"] = job.get("seq")  # which request this answers (the parent checks it)
        del job
        doc["dropped"] = {"stdout": sinks[0].dropped, "stderr": sinks[1].dropped}
        send_frame(doc, cap)


if __name__ == "__main__":
    main()
