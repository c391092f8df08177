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


# ---------------------------------------------------------------- organ sessions (one worker per episode)
def turns(session, count, **obs):
    out = []
    for turn in range(1, count + 1):
        out.append(session.call(dict(OBS, turn=turn, **obs)))
        if not out[-1].ok:
            break
    return out


@requires_isolation
def test_session_serves_every_turn_from_one_process_with_a_fresh_namespace(sandbox):
    src = ("import json\nCOUNT = []\n\ndef run(observation):\n    COUNT.append(1)\n"
           "    return {'memory': {'n': observation['memory'].get('n', 0) + 1}, 'trace': [len(COUNT)]}\n")
    with sandbox.session(src, sandbox.stage({"readme.txt": "session"})) as session:
        pid = session.proc.pid
        memory, traces = {}, []
        for turn in range(1, 5):
            r = session.call(dict(OBS, turn=turn, memory=memory))
            assert r.ok and r.path == "session", (r.tag, r.message)
            memory = r.response["memory"]
            traces.append(r.response["trace"])
        assert session.proc.pid == pid and session.alive()
    assert memory == {"n": 4} and traces == [[1]] * 4  # memory carries; module-level names are rebuilt
    assert not session.alive() and not sandbox._sessions


@requires_isolation
def test_session_per_turn_cpu_limit_moves_with_the_turns_and_ends_a_hostile_third_turn():
    """Each turn may use about cpu_seconds: two turns of 0.7 s CPU pass although together they exceed
    the 1 s a single process would get; the third turn burns for ever and gets SIGXCPU, well inside
    the wall clock."""
    src = ("import time\n\ndef run(observation):\n    start = time.process_time()\n"
           "    while observation['turn'] >= 3 or time.process_time() - start < 0.7:\n        pass\n"
           "    return {'trace': ['burned']}\n")
    with Sandbox(Limits(wall_seconds=30, cpu_seconds=1, memory_mb=256)) as sb:
        with sb.session(src, None) as session:
            results = turns(session, 5)
            assert not session.alive()
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].tag == "resource_limit" and "CPU limit" in results[2].message


@requires_isolation
def test_session_episode_cpu_cap_bounds_the_whole_episode():
    src = ("import time\n\ndef run(observation):\n    start = time.process_time()\n"
           "    while time.process_time() - start < 0.7:\n        pass\n    return {'trace': ['burned']}\n")
    with Sandbox(Limits(wall_seconds=30, cpu_seconds=1, memory_mb=256, episode_cpu_seconds=3)) as sb:
        with sb.session(src, None) as session:
            results = turns(session, 6)
    assert [r.ok for r in results] == [True, True, False]  # 2.1 s would pass 2 s (one second short of the cap)
    assert results[2].tag == "resource_limit" and "3s" in results[2].message


@pytest.mark.parametrize("mode", ["per_call", "fork_server", "session"])
@requires_isolation
def test_print_flood_is_cut_at_the_cap_with_a_note_on_every_path(sandbox, mode):
    """3 MB of prints (past the 1 MB file-size limit): the organ still answers; its output keeps the
    head, ends with a note, and stays within log_bytes."""
    src = ("import sys\n\ndef run(observation):\n    print('first line')\n    for _ in range(3000):\n"
           "        print('z' * 999)\n    print('to stderr', file=sys.stderr)\n    return {'trace': ['flooded']}\n")
    episode = sandbox.stage({"readme.txt": "flood"})
    if mode == "session":
        with sandbox.session(src, episode) as session:
            r = session.call(OBS)
    else:
        r = sandbox.call(src, OBS, episode if mode == "fork_server" else None)
    assert r.ok, (r.tag, r.message)
    assert r.stdout.startswith("first line\nzzz") and r.stdout.endswith("bytes dropped after the first 20000]")
    assert len(r.stdout) <= sandbox.limits.log_bytes and r.dropped["stdout"] > 2_900_000
    assert r.stderr == "to stderr\n" and r.output == {"stdout": r.stdout, "stderr": r.stderr}


@requires_isolation
def test_session_faults_kill_it_and_later_calls_fail_at_once(sandbox):
    src = ("import os\n\ndef run(observation):\n    if observation['turn'] == 2:\n        for fd in range(3, 20):\n"
           "            try:\n                os.write(fd, b'junk')\n            except OSError:\n                pass\n"
           "    return {'trace': ['ok']}\n")
    session = sandbox.session(src, None)
    first, second = turns(session, 3)
    assert first.ok and not second.ok and second.tag in ("malformed_response", "resource_limit")
    assert not session.alive()
    late = session.call(OBS)
    assert not late.ok and "has ended" in late.message and "turn 2" in late.message


@requires_isolation
def test_a_session_that_cannot_lock_down_does_not_start():
    import base64
    from stem.runtime.organ_session import SessionError
    with Sandbox() as sb:
        sb._bpf = base64.b64encode(b"\x00" * 8).decode()  # a filter the kernel refuses
        with pytest.raises(SessionError, match="lock itself down"):
            sb.session("def run(observation):\n    return {'trace': ['x']}\n", None)
        assert not sb._sessions


@requires_isolation
def test_organ_turn_falls_back_to_the_fork_server_then_per_call(monkeypatch):
    from stem.runtime import organ_turn as ot
    from stem.runtime.organ_session import SessionError
    from stem.turn_protocol import TurnReply
    src = "def run(observation):\n    print('said', observation['turn'])\n    return {'trace': ['x']}\n"

    def no_session(*args, **kwargs):
        raise SessionError("the organ session did not start: test")

    with Sandbox() as sb:
        episode = sb.stage({"readme.txt": "fallback"})
        monkeypatch.setattr(Sandbox, "session", no_session)
        with ot.organ_turn(sb, src, episode) as turn:
            reply = turn(dict(OBS, turn=1))
        assert isinstance(reply, TurnReply) and reply.output == {"stdout": "said 1\n"}
        assert "did not start" in turn.fallback and episode in sb._zygotes  # the fork server answered
        sb.close_fork_servers()
        monkeypatch.setattr(Sandbox, "_zygote", lambda self, episode_dir: None)
        with ot.organ_turn(sb, src, episode) as turn:
            assert turn(dict(OBS, turn=2)).output == {"stdout": "said 2\n"}
        assert not sb._zygotes  # ... and with no fork server, a fresh process per call


@requires_isolation
def test_turn_failure_carries_the_output_and_the_agent_closes_the_session(tmp_path):
    import json
    from stem.agent import StemAgent
    from stem.benchmark import domains
    ep = domains.generate("trading", 1, 1)
    src = ("def run(observation):\n    print('turn', observation['turn'])\n    if observation['turn'] == 2:\n"
           "        raise ValueError('boom')\n    return {'memory': {}, 'trace': ['read']}\n")
    opened = []
    with Sandbox() as sb:
        real = sb.session
        sb.session = lambda *args: opened.append(real(*args)) or opened[-1]
        result = StemAgent(sb, {ep.domain: src}).run_episode(ep, tmp_path)
        assert len(opened) == 1 and not opened[0].alive() and not sb._sessions  # run_episode closed it
    assert result.failure["tag"] == "runtime_exception" and result.failure["turn"] == 2
    from stem.turn_records import open_episode
    turns = open_episode(tmp_path).all_turns()  # the standalone record of a trace folder keeps every turn
    assert turns[0].result["output"] == {"stdout": "turn 1\n"}
    assert turns[1].result["output"] == {"stdout": "turn 2\n"}


@requires_isolation
def test_with_session_min_turns_short_episodes_go_to_the_fork_server_and_long_ones_to_a_session():
    """What training asks for (its candidates share each episode's fork server)."""
    from stem.runtime.organ_turn import organ_turn
    src = "def run(observation):\n    return {'trace': ['x']}\n"
    with Sandbox(session_min_turns=12) as sb:
        episode = sb.stage({"readme.txt": "routing"})
        with organ_turn(sb, src, episode) as short:
            assert short(dict(OBS, turn_count=11)).response == {"trace": ["x"]}
            assert short.session is None and "fewer than session_min_turns" in short.fallback
            assert episode in sb._zygotes
        with organ_turn(sb, src, episode) as long:
            assert long(dict(OBS, turn_count=12)).response == {"trace": ["x"]}
            assert long.session is not None and long.session.alive() and long.fallback == ""
        assert not long.session.alive()
