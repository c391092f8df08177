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


def lock_down(header):
    for name, (soft, hard) in header.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    bpf = base64.b64decode(header.get("seccomp_bpf", ""))
    if not bpf:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(SECCOMP) failed")


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


def main():
    global RESULT_FD
    header = json.loads(sys.stdin.readline())
    RESULT_FD = int(header.get("result_fd", RESULT_FD))
    try:
        lock_down(header)
    except Exception as exc:  # a sandbox that cannot lock itself down must not run the organ
        emit({"ok": False, "error": {"tag": "sandbox_setup_failed", "message": f"{type(exc).__name__}: {exc}"}})
        return
    job = json.loads(sys.stdin.readline())
    sys.stdin.close()
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


if __name__ == "__main__":
    main()
