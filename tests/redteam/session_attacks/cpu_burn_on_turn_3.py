# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: session_hostile_turn
# harm: resource
# validator: pass
# fails_on: 3
# tags: resource_limit timeout
# session_after: ended
# Two benign turns, then a turn that burns CPU for ever.
def run(observation):
    if observation["turn"] >= 3:
        n = 0
        while True:
            n += 1
    return {"memory": {}, "trace": ["benign turn %d" % observation["turn"]]}
