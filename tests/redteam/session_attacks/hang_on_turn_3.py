# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: session_hostile_turn
# harm: resource
# validator: reject
# fails_on: 3
# tags: timeout
# session_after: ended
# Two benign turns, then a turn that blocks without using any CPU (only the wall clock ends it).
import threading


def run(observation):
    if observation["turn"] == 3:
        threading.Event().wait()
    return {"memory": {}, "trace": ["benign turn %d" % observation["turn"]]}
