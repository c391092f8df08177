# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: session_hostile_turn
# harm: process
# validator: reject
# fails_on: 3
# tags: runtime_exception
# session_after: alive
# Two benign turns, then fork, exec and spawn attempts that would leave a marker on the host.
import os
import subprocess


def run(observation):
    if observation["turn"] == 3:
        marker = observation["delta"]["marker_path"]
        for attempt in (lambda: os.fork(), lambda: os.system("touch " + marker),
                        lambda: subprocess.run(["touch", marker]), lambda: os.execv("/bin/touch", ["touch", marker])):
            try:
                attempt()
            except OSError:
                pass
        os.fork()
    return {"memory": {}, "trace": ["benign turn %d" % observation["turn"]]}
