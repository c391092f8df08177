# legitimate organ (test fixture, hand-written, NOT evolved)
def run(observation):
    memory = dict(observation["memory"])
    memory["seen"] = memory.get("seen", 0) + 1
    memory["turns"] = memory.get("turns", []) + [observation["turn"]]
    response = {"memory": memory, "trace": ["turn %d" % observation["turn"]]}
    if observation["final_turn"]:
        response["artifact"] = memory
    return response
