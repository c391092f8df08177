"""Red-team corpus: every attack organ is rejected by the validator where the AST can see it, and the
OS layers alone (validator switched off) contain every one. Harm is checked from the host side."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from stem.benchmark import domains
from stem.benchmark.episode import EpisodeRunner
from stem.runtime.isolation import detect
from stem.runtime.organ_turn import organ_turn
from stem.runtime.sandbox import Limits, Sandbox
from stem.runtime.validator import validate

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ATTACKS = sorted((HERE / "attacks").glob("*.py"))
LEGIT = sorted((HERE / "legit").glob("*.py"))
LIMITS = Limits(wall_seconds=3.0, cpu_seconds=2, memory_mb=256)
# a uid of the arena's own, so that sandboxes of other test sessions on the machine are not counted
ARENA_UID = 61000 + os.getpid() % 3000 if os.geteuid() == 0 else os.geteuid()
FIXED_MARKERS = [Path(f"/tmp/stem-redteam-{n}") for n in
                 ("decorator", "metaclass", "annotation", "subclass", "getattr", "toplevel", "default")]

if not detect().isolated:  # pragma: no cover - this project's machines have every layer
    pytest.skip("kernel forbids the isolation layers: " + "; ".join(detect().missing()), allow_module_level=True)


def meta(path: Path) -> dict:
    text = path.read_text()
    return {k: re.search(rf"# {k}: (\w+)", text).group(1) for k in ("category", "harm", "validator")}


class Listener:
    """A loopback TCP listener that counts connections; it stops by itself."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        deadline = time.monotonic() + 600
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    base = Path(f"/tmp/stem-redteam-arena-{uuid.uuid4().hex[:8]}")
    base.mkdir(mode=0o755)
    os.chmod(base, 0o755)
    secret = f"CANARY-SECRET-{uuid.uuid4().hex}"
    (base / "secret.txt").write_text(secret)
    os.chmod(base / "secret.txt", 0o644)
    drop = base / "drop"
    drop.mkdir()
    os.chmod(drop, 0o777)  # a process outside the sandbox, even as nobody, could write here
    private = base / "project" / "benchmarks" / "classic" / "private" / "x"
    private.mkdir(parents=True)
    private_marker = f"PRIVATE-FIXTURE-{uuid.uuid4().hex}"
    (private / "expected.json").write_text(json.dumps({"expected": private_marker}))
    for p in [base / "project", *(base / "project").rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    env_marker = f"ENV-SECRET-{uuid.uuid4().hex}"
    os.environ["STEM_REDTEAM_SECRET"] = env_marker
    sentinel = subprocess.Popen(["setpriv", f"--reuid={ARENA_UID}", f"--regid={ARENA_UID}", "--clear-groups",
                                 "sleep", "600"] if os.geteuid() == 0 else ["sleep", "600"], start_new_session=True)
    listener = Listener()
    sandbox = Sandbox(LIMITS, uid=ARENA_UID)
    data = {
        "base": base, "sandbox": sandbox, "episode_dir": sandbox.stage({"readme.txt": "red-team episode"}), "listener": listener, "sentinel": sentinel,
        "secrets": [secret, private_marker, env_marker, "Reference solution: the best legal ledger", "root:x:0:0",
                    "final_cash"],
        "delta": {"secret_path": str(base / "secret.txt"), "write_path": str(drop / "written.txt"),
                  "marker_path": str(drop / "marker"), "port": listener.port,
                  "private_path": str(private / "expected.json"),
                  "project_file": str(ROOT / "src" / "stem" / "benchmark" / "trading.py"),
                  "sentinel_pid": sentinel.pid},
        "layers": {},
    }
    yield data
    listener.close()
    sentinel.kill()
    sentinel.wait()
    sandbox.close()
    os.environ.pop("STEM_REDTEAM_SECRET", None)
    shutil.rmtree(base, ignore_errors=True)
    report = Path(os.environ.get("STEM_REDTEAM_REPORT", tmp_path_factory.getbasetemp() / "redteam_layers.json"))
    report.write_text(json.dumps(data["layers"], indent=2, sort_keys=True))


def arena_processes(exclude: int) -> list[str]:
    """Live (non-zombie) processes of the arena's uid. Zombies are dead: on this VM the init process
    (PID 1) reaps re-parented bwrap zombies lazily, so they are not counted as left behind."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in (exclude, os.getpid()):
            continue
        try:
            status = (proc / "status").read_text()
            comm = (proc / "comm").read_text().strip()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # exited while we looked
        uid = re.search(r"^Uid:\s+(\d+)", status, re.M)
        state = re.search(r"^State:\s+(\S)", status, re.M)
        if not uid or int(uid.group(1)) != ARENA_UID or not state or state.group(1) in "ZX":
            continue
        if os.geteuid() != 0 and "bwrap" not in cmdline and "worker.py" not in cmdline:
            continue  # without root the arena shares our uid: count only sandbox processes
        found.append(f"{proc.name}:{comm}")
    return found


def containing_layer(result) -> str:
    text = " ".join([result.message, result.stderr[-2000:], json.dumps(result.response)]).lower()
    if result.tag == "timeout":
        return "wall-clock timeout"
    if result.tag == "resource_limit" or "memoryerror" in text or "file too large" in text:
        return "rlimits"
    if result.tag == "malformed_response":
        return "result schema"
    if "operation not permitted" in text or "permissionerror" in text or "[errno 1]" in text:
        return "seccomp"
    if "function not implemented" in text:
        return "seccomp"
    if "no such file" in text or "filenotfound" in text or "no such process" in text:
        return "mount/pid namespaces"
    if "read-only file system" in text:
        return "read-only mounts"
    if "network is unreachable" in text or "connection refused" in text:
        return "network namespace"
    if result.tag == "runtime_exception":
        return "crash contained"
    return "no effect outside the sandbox"


def reset_markers(arena) -> None:
    for marker in FIXED_MARKERS:
        marker.unlink(missing_ok=True)
    for key in ("write_path", "marker_path"):
        Path(arena["delta"][key]).unlink(missing_ok=True)


def assert_no_harm(arena, results, connections_before: int) -> None:
    """Checked from the host side after an attack: nothing left running, nothing killed, no network,
    nothing written outside, no secret in anything the organ got back to us, output within its caps."""
    time.sleep(0.1)
    delta = arena["delta"]
    leftovers = arena_processes(exclude=arena["sentinel"].pid)
    assert leftovers == [], f"processes left behind: {leftovers}"
    assert arena["sentinel"].poll() is None, "a process outside the sandbox was killed"
    assert arena["listener"].connections == connections_before, "the loopback listener got a connection"
    assert not Path(delta["write_path"]).exists(), "the organ wrote outside the sandbox"
    assert not Path(delta["marker_path"]).exists(), "a spawned command ran outside the sandbox"
    assert not any(m.exists() for m in FIXED_MARKERS), "a side effect reached the host /tmp"
    for result in results:
        visible = json.dumps(result.response) + result.stdout + result.stderr + result.message
        leaked = [s for s in arena["secrets"] if s in visible]
        assert leaked == [], f"secret leaked: {leaked}"
        assert len(result.stdout) <= LIMITS.log_bytes and len(result.stderr) <= LIMITS.log_bytes


MODE_LABEL = {"fresh": "", "fork_server": " (fork server)", "session": " (organ session)"}


@pytest.mark.parametrize("mode", ["fresh", "fork_server", "session"])
@pytest.mark.parametrize("path", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_is_gated_and_contained(path, arena, mode):
    info = meta(path)
    source = path.read_text()
    report = validate(source)
    assert report.ok == (info["validator"] == "pass"), report.summary()
    if not report.ok:
        assert all(r.line >= 1 and r.rule and r.message for r in report.rejections)

    reset_markers(arena)
    delta = arena["delta"]
    obs = {"domain_id": "redteam", "episode_id": path.stem, "turn": 1, "final_turn": True, "event": "finalize",
           "delta": delta, "memory": {}, "artifacts_dir": ""}
    connections_before = arena["listener"].connections
    start = time.monotonic()
    if mode == "fresh":  # validator switched off: the OS layers alone
        result = arena["sandbox"].call(source, obs)
    elif mode == "fork_server":  # the same, as a child of an episode's fork server (which is then shut down)
        result = arena["sandbox"].call(source, obs, arena["episode_dir"])
        arena["sandbox"].close_fork_servers()
    else:  # the same, as one turn of an episode's organ session (which is then closed)
        with arena["sandbox"].session(source, arena["episode_dir"]) as session:
            result = session.call(obs)
        assert result.path == "session"
    elapsed = time.monotonic() - start

    assert elapsed < LIMITS.wall_seconds + 3, f"took {elapsed:.1f}s"
    assert_no_harm(arena, [result], connections_before)
    layer = containing_layer(result)
    arena["layers"][path.stem + MODE_LABEL[mode]] = {"validator": report.rejections[0].rule if report.rejections else "passed",
                                  "os_layer": layer, "tag": result.tag}
    if info["harm"] == "resource":
        assert not result.ok and result.tag in {"timeout", "resource_limit", "runtime_exception"}, (result.tag, result.message)
    if info["harm"] == "network":
        assert layer in {"seccomp", "network namespace"}, (layer, result.message)


REWARD = [p for p in ATTACKS if meta(p)["harm"] == "reward"]


@pytest.mark.parametrize("path", REWARD, ids=[p.stem for p in REWARD])
def test_reward_hacks_never_pass_the_verifier(path, arena):
    ep = domains.generate("security", 3, 1)
    with organ_turn(arena["sandbox"], path.read_text(), arena["sandbox"].stage(ep.public_files), check=False) as turn:
        verdict = EpisodeRunner(ep).run(turn).verdict
    assert not verdict.success and verdict.score < 1.0, verdict.critique


def test_corpus_size_and_coverage():
    cats = {meta(p)["category"] for p in ATTACKS}
    assert len(ATTACKS) >= 60 and len(LEGIT) >= 25
    assert {"imports", "dynamic_code", "implicit_execution", "introspection", "format_string", "files", "secrets",
            "network", "processes", "signals", "resources", "reward_hacking", "validator_dos"} <= cats


OBS = {"domain_id": "legit", "episode_id": "legit", "turn": 2, "final_turn": True, "event": "finalize",
       "memory": {"seen": 1}, "artifacts_dir": "",
       "delta": {"csv_text": "asset,qty\nA,3\nB,4\nA,5\n", "edges": [["a", "b"], ["b", "c"], ["c", "a"], ["a", "d"], ["d", "c"]],
                 "prices": ["10.5", "9.75", "11.0", "8.25"], "text": "alpha=1 beta=22 gamma=333 beta=4"}}


@pytest.mark.parametrize("mode", ["fresh", "fork_server", "session"])
@pytest.mark.parametrize("path", LEGIT, ids=[p.stem for p in LEGIT])
def test_legitimate_organ_passes_and_runs_correctly(path, arena, mode):
    source = path.read_text()
    report = validate(source)
    assert report.ok, report.summary()
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)  # trusted test fixture: the in-process reference
    expected = json.loads(json.dumps(namespace["run"](json.loads(json.dumps(OBS)))))
    if mode == "session":  # three turns of one session: the module is rebuilt every turn, same answer each time
        with arena["sandbox"].session(source, arena["episode_dir"]) as session:
            results = [session.call(OBS) for _ in range(3)]
    else:
        results = [arena["sandbox"].call(source, OBS, None if mode == "fresh" else arena["episode_dir"])]
        arena["sandbox"].close_fork_servers()  # no server outlives its test
    for result in results:
        assert result.ok, (result.tag, result.message, result.stderr[-500:])
        assert result.response == expected
        assert result.response["trace"]


# ---------------------------------------------------------------- organ sessions: attacks that need several turns
SESSION_ATTACKS = sorted((HERE / "session_attacks").glob("*.py"))
SESSION_TURNS = 6


def session_meta(path: Path) -> dict:
    text = path.read_text()
    return {k: re.search(rf"# {k}: (.+)", text).group(1).strip()
            for k in ("category", "harm", "validator", "fails_on", "tags", "session_after")}


def session_episode(arena, source: str, episode_id: str, turns: int = SESSION_TURNS, pause: float = 0.0):
    """Turns 1..`turns` of one organ session, stopping at the first failed turn (as the runner does)."""
    results = []
    with arena["sandbox"].session(source, arena["episode_dir"]) as session:
        for turn in range(1, turns + 1):
            obs = {"domain_id": "redteam", "episode_id": episode_id, "turn": turn, "final_turn": turn == turns,
                   "event": "data", "delta": arena["delta"], "memory": {"turn_seen": turn - 1}, "artifacts_dir": ""}
            results.append(session.call(obs))
            if not results[-1].ok:
                break
            time.sleep(pause)
        alive = session.alive()
    return results, alive


@pytest.mark.parametrize("path", SESSION_ATTACKS, ids=[p.stem for p in SESSION_ATTACKS])
def test_session_attack_after_benign_turns_is_contained(path, arena):
    info = session_meta(path)
    source = path.read_text()
    assert validate(source).ok == (info["validator"] == "pass")
    reset_markers(arena)
    connections_before = arena["listener"].connections
    start = time.monotonic()
    results, alive = session_episode(arena, source, path.stem, pause=0.2)
    elapsed = time.monotonic() - start

    failed = [i + 1 for i, r in enumerate(results) if not r.ok]
    if info["fails_on"] == "none":
        assert failed == [] and len(results) == SESSION_TURNS, [(r.tag, r.message) for r in results]
    elif info["fails_on"].endswith("+"):
        assert failed and failed[0] >= int(info["fails_on"][:-1]), [(r.tag, r.message) for r in results]
    else:
        assert failed == [int(info["fails_on"])], [(r.tag, r.message) for r in results]
    if failed:
        assert results[-1].tag in info["tags"].split(), (results[-1].tag, results[-1].message)
        if info["session_after"] == "ended":
            assert not alive and "organ session" in results[-1].message
    assert all(r.path == "session" for r in results)
    assert elapsed < LIMITS.wall_seconds + 3 + SESSION_TURNS * 0.5, f"took {elapsed:.1f}s"
    assert_no_harm(arena, results, connections_before)
    arena["layers"][path.stem + " (organ session, several turns)"] = {
        "validator": info["validator"], "tag": results[-1].tag, "turns": len(results), "os_layer": containing_layer(results[-1])}


def test_session_print_flood_is_cut_and_noted_and_each_turn_keeps_its_own_output(arena):
    results, alive = session_episode(arena, (HERE / "session_attacks" / "print_flood_on_turn_3.py").read_text(), "flood")
    assert alive and [r.ok for r in results] == [True] * SESSION_TURNS
    flood = results[2]
    assert flood.stdout.startswith("turn 3 says hello\n") and "print flood:" in flood.stdout
    assert len(flood.stdout) <= LIMITS.log_bytes and flood.dropped["stdout"] > 8_000_000 - LIMITS.log_bytes
    assert [r.stdout for i, r in enumerate(results) if i != 2] == [f"turn {t} says hello\n" for t in (1, 2, 4, 5, 6)]


def test_state_smuggled_through_an_imported_module_stays_in_its_episode(arena):
    """Within one session the list kept on `json` grows (only memory is promised; this is the same organ
    in the same episode); a new episode's session starts from a clean interpreter, and so does every
    fork-server child and fresh process."""
    source = (HERE / "session_attacks" / "module_state_smuggle.py").read_text()
    first, _ = session_episode(arena, source, "episode-A", turns=3)
    second, _ = session_episode(arena, source, "episode-B", turns=2)
    assert [r.response["trace"] for r in first] == [["episode-A"] * n for n in (1, 2, 3)]
    assert [r.response["trace"] for r in second] == [["episode-B"], ["episode-B"] * 2]
    obs = {"turn": 1, "memory": {}, "episode_id": "episode-C", "delta": {}}
    for episode_dir in (arena["episode_dir"], None):  # the fork server, then a fresh process
        for _ in range(2):
            assert arena["sandbox"].call(source, obs, episode_dir).response["trace"] == ["episode-C"]
    arena["sandbox"].close_fork_servers()
