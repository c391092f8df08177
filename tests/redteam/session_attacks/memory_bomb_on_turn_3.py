# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: session_hostile_turn
# harm: resource
# validator: pass
# fails_on: 3
# tags: resource_limit
# session_after: alive
# Two benign turns, then a turn that asks for far more memory than the address-space limit.
def run(observation):
    if observation["turn"] == 3:
        hoard = []
        while True:
            hoard.append("x" * (16 * 1024 * 1024))
    return {"memory": {}, "trace": ["benign turn %d" % observation["turn"]]}
