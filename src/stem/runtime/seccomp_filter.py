"""The seccomp filter for organ workers, compiled to BPF in the parent with pyseccomp (libseccomp).

Default allow; deny what an organ never needs: sockets, new processes, exec, tracing, mounts,
namespaces, kernel modules, keyrings, bpf, perf, io_uring. `clone` is allowed only with
CLONE_THREAD (threads), and `clone3` answers ENOSYS so that glibc falls back to `clone` for
threads (denying it with EPERM breaks thread creation). setrlimit/prlimit stay allowed: an organ
session lowers its own per-turn CPU soft limit before every turn (never past the hard limit).

Who gets which filter: a per-call worker, every fork-server child and an organ session get the full
filter; only the fork server itself (which never runs organ code) gets `allow_fork`.
"""

from __future__ import annotations

import errno
import functools
import tempfile

DENY_EPERM = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "execve", "execveat", "fork", "vfork",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "open_by_handle_at", "name_to_handle_at", "personality", "acct", "swapon", "swapoff",
    "reboot", "sethostname", "setdomainname", "iopl", "ioperm", "quotactl", "mknod", "mknodat",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
)
CLONE_THREAD = 0x00010000


def _load():
    import pyseccomp  # imported lazily: it loads libseccomp through ctypes
    return pyseccomp


@functools.lru_cache(maxsize=2)
def compile_bpf(allow_fork: bool = False) -> bytes:
    """The filter as raw BPF bytes (struct sock_filter array), ready for prctl(PR_SET_SECCOMP).

    `allow_fork` is the fork server's filter: everything else denied, but fork/clone allowed so it can
    start one child per call; each child then adds the full filter (filters stack: the stricter wins)."""
    sc = _load()
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in DENY_EPERM:
        if allow_fork and name in ("fork", "vfork"):
            continue
        try:
            flt.add_rule(sc.ERRNO(errno.EPERM), name)
        except (OSError, RuntimeError, ValueError):
            continue  # syscall unknown on this architecture
    if not allow_fork:
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as fh:
        flt.export_bpf(fh)
        fh.seek(0)
        return fh.read()
