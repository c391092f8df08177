"""The sandboxed worker: runs inside bubblewrap as a non-root uid, with the system interpreter.

Standard library only (the stem package is not mounted in the sandbox). Order of events:
1. read the limits and the seccomp program (a header line on stdin) and lock the process down:
   rlimits, no_new_privs, seccomp filter;
2. only then read the job (organ source + observation), exec the organ and call run();
3. write exactly one JSON document to the result pipe (an inherited fd named in the header). Never pickle.

The parent trusts nothing written here: it schema-checks the result and computes every score.
"""

import base64
import ctypes
import json
import os
import resource
import sys
import traceback

RESULT_FD = 3  # replaced by the header's result_fd
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def prepare(header):
    """Decode the limits and the filter once (the fork server does this before it forks anything)."""
    rlimits = [(getattr(resource, name), (soft, hard)) for name, (soft, hard) in header.get("rlimits", {}).items()]
    bpf = base64.b64decode(header.get("seccomp_bpf", ""))
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


def organ_line(tb):
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == "<organ>":
            line = frame.lineno
    return line


def emit(result):
    data = json.dumps(result, allow_nan=False).encode("utf-8")
    view = memoryview(data)
    while view:
        written = os.write(RESULT_FD, view)
        view = view[written:]
    os.close(RESULT_FD)


def run_job(job):
    """Exec the organ and call run() once; exactly one result document goes to RESULT_FD."""
    namespace = {"__name__": "organ"}
    try:
        code = compile(job["source"], "<organ>", "exec")
        exec(code, namespace)
        run = namespace.get("run")
        if not callable(run):
            raise TypeError("the organ defines no callable run(observation)")
        response = run(job["observation"])
    except MemoryError:
        emit({"ok": False, "error": {"tag": "resource_limit", "message": "MemoryError: address-space limit reached",
                                      "line": organ_line(sys.exc_info()[2])}})
        return
    except RecursionError as exc:
        emit({"ok": False, "error": {"tag": "runtime_exception", "message": f"RecursionError: {exc}",
                                      "line": organ_line(exc.__traceback__)}})
        return
    except BaseException as exc:  # SystemExit included: exiting early is a crash, not an answer
        emit({"ok": False, "error": {"tag": "runtime_exception", "message": f"{type(exc).__name__}: {exc}"[:2000],
                                      "line": organ_line(exc.__traceback__)}})
        return
    try:
        emit({"ok": True, "response": response})
    except (TypeError, ValueError, RecursionError) as exc:
        emit({"ok": False, "error": {"tag": "malformed_response",
                                      "message": f"run() returned something that is not plain JSON: {exc}"[:2000]}})


def main():
    global RESULT_FD
    header = json.loads(sys.stdin.readline())
    RESULT_FD = int(header.get("result_fd", RESULT_FD))
    if header.get("mode") == "zygote":
        return zygote(header)
    try:
        lock_down(header)
    except Exception as exc:  # a sandbox that cannot lock itself down must not run the organ
        emit({"ok": False, "error": {"tag": "sandbox_setup_failed", "message": f"{type(exc).__name__}: {exc}"}})
        return
    job = json.loads(sys.stdin.readline())
    sys.stdin.close()
    run_job(job)


def zygote(header):
    """Fork server. Locked down once (rlimits, and a seccomp filter that still allows fork but no exec,
    sockets, ...), it never runs organ code itself: for each job line on stdin it forks a child, which
    tightens its own rlimits and installs the full filter (no fork) before it parses the job and runs
    the organ. The zygote relays "<status> <length>" and the child's result bytes on RESULT_FD, and
    kills a child that outlives the wall-clock limit."""
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
                run_job(json.loads(line))
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


if __name__ == "__main__":
    main()
