"""The sandbox with real processes: results, structured failures, limits, and the isolation guard."""

from __future__ import annotations

import pytest

from stem.errors import StemError
from stem.runtime import isolation
from stem.runtime.sandbox import Limits, Sandbox

from conftest import requires_isolation

OBS = {"turn": 1, "delta": {"x": 2}, "memory": {}}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(Limits(wall_seconds=3, cpu_seconds=2, memory_mb=256)) as sb:
        yield sb


@requires_isolation
def test_result_comes_back_as_plain_json(sandbox):
    r = sandbox.call("def run(observation):\n    return {'trace': [observation['delta']['x'] * 21]}\n", OBS)
    assert r.ok and r.response == {"trace": [42]} and r.layers[0] == "bubblewrap"


@requires_isolation
def test_exception_reports_the_organ_line(sandbox):
    src = "def helper(d):\n    return d['missing']\n\ndef run(observation):\n    return helper({})\n"
    r = sandbox.call(src, OBS)
    assert (r.ok, r.tag, r.line) == (False, "runtime_exception", 2) and "KeyError" in r.message


@requires_isolation
def test_timeout_kills_the_worker(sandbox):
    r = sandbox.call("def run(observation):\n    while True:\n        pass\n", OBS)
    assert r.tag in {"timeout", "resource_limit"} and r.wall_ms < 3000 + 2000


@requires_isolation
def test_memory_limit_is_a_resource_limit(sandbox):
    r = sandbox.call("def run(observation):\n    return {'trace': [len('x' * (2 ** 31))]}\n", OBS)
    assert r.tag == "resource_limit"


@pytest.mark.parametrize("body,needle", [
    ("return [1]", "must return a dict"),
    ("return {'trace': 'x'}", "'trace' must be a list"),
    ("return {'trace': [], 'verdict': 1}", "unknown response keys"),
    ("return {'trace': [set()]}", "not plain JSON"),
])
@requires_isolation
def test_response_schema(sandbox, body, needle):
    r = sandbox.call(f"def run(observation):\n    {body}\n", OBS)
    assert r.tag == "malformed_response" and needle in r.message


@requires_isolation
def test_episode_files_are_mounted_read_only(sandbox):
    d = sandbox.stage({"rules.txt": "hello rules"})
    src = ("def run(observation):\n    import pathlib\n    p = pathlib.Path(observation['dir']) / 'rules.txt'\n"
           "    text = p.read_text()\n    try:\n        p.write_text('x')\n        wrote = 'yes'\n"
           "    except OSError as exc:\n        wrote = type(exc).__name__\n    return {'trace': [text, wrote]}\n")
    r = sandbox.call(src, dict(OBS, dir=sandbox.artifacts_dir(d)), d)
    assert r.ok and r.response["trace"][0] == "hello rules" and r.response["trace"][1] != "yes"


@requires_isolation
def test_prestarted_pool_gives_fresh_processes():
    src = "COUNT = []\ndef run(observation):\n    COUNT.append(1)\n    return {'trace': [len(COUNT)]}\n"
    with Sandbox(prestart=2) as sb:
        results = [sb.call(src, OBS) for _ in range(4)]
    assert [r.response["trace"] for r in results] == [[1]] * 4  # no state survives between calls


def test_refuses_without_isolation_unless_unsafe(monkeypatch):
    report = isolation.IsolationReport(layers=[isolation.Layer("namespaces", False, "kernel says no")],
                                       interpreter=isolation.find_interpreter())
    monkeypatch.setattr(isolation, "detect", lambda: report)
    with pytest.raises(StemError, match="--unsafe-no-isolation"):
        Sandbox()
    with Sandbox(unsafe_no_isolation=True) as sb:
        r = sb.call("def run(observation):\n    return {'trace': ['unsafe']}\n", OBS)
    assert r.ok and "UNSAFE: no namespaces" in r.layers


@requires_isolation
def test_prestarted_workers_outlive_the_thread_that_asked_for_them():
    """bwrap --die-with-parent follows the thread that launched it; pool launches must happen on a
    thread that lives as long as the sandbox, or a worker can be SIGKILLed in the middle of a call."""
    import threading
    import time
    src = "def run(observation):\n    return {'trace': ['alive']}\n"
    with Sandbox(prestart=2) as sb:
        for _ in range(3):
            t = threading.Thread(target=lambda: (sb.warm(), time.sleep(0.2)))  # the launcher lingers, then ends
            t.start()
            t.join()
            time.sleep(0.3)
            with sb._pool:
                sb._pool.wait_for(lambda: sb._pending == 0)
                assert sb._ready and all(w.proc.poll() is None for w in sb._ready)
            results = [sb.call(src, OBS) for _ in range(4)]
            assert all(r.ok for r in results), [(r.tag, r.message) for r in results]


# ---------------------------------------------------------------- the fork server (calls on a staged episode)
MARK = ("import json\n\ndef run(observation):\n    seen = hasattr(json, 'stem_test_mark')\n"
        "    json.stem_test_mark = 1\n    return {'memory': {}, 'trace': [str(seen)]}\n")


@requires_isolation
def test_fork_server_gives_every_call_a_fresh_child_of_one_server(sandbox):
    episode = sandbox.stage({"readme.txt": "fork server test"})
    first = sandbox.call(MARK, OBS, episode)
    server = sandbox._zygotes[episode].proc.pid
    second = sandbox.call(MARK, OBS, episode)
    assert first.ok and second.ok and first.response["trace"] == second.response["trace"] == ["False"]
    assert sandbox._zygotes[episode].proc.pid == server  # one server, a clean interpreter per call


@requires_isolation
def test_fork_server_child_cannot_fork_and_a_timeout_spares_the_server(sandbox):
    episode = sandbox.stage({"readme.txt": "fork server limits"})
    forked = sandbox.call("import os\n\ndef run(observation):\n    os.fork()\n    return {}\n", OBS, episode)
    assert not forked.ok and "Operation not permitted" in forked.message
    server = sandbox._zygotes[episode].proc.pid
    spin = sandbox.call("def run(observation):\n    while True:\n        pass\n", OBS, episode)
    assert not spin.ok and spin.tag in ("timeout", "resource_limit")
    after = sandbox.call(MARK, OBS, episode)
    assert after.ok and sandbox._zygotes[episode].proc.pid == server


@requires_isolation
def test_a_dead_fork_server_is_replaced(sandbox):
    episode = sandbox.stage({"readme.txt": "fork server restart"})
    assert sandbox.call(MARK, OBS, episode).ok
    old = sandbox._zygotes[episode].proc
    Sandbox._kill(old)
    again = sandbox.call(MARK, OBS, episode)
    assert again.ok and sandbox._zygotes[episode].proc.pid != old.pid
    sandbox.close_fork_servers()
    assert not sandbox._zygotes and old.poll() is not None
