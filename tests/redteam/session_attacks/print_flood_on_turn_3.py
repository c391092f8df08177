# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: session_hostile_turn
# harm: output
# validator: pass
# fails_on: none
# tags: -
# session_after: alive
# Prints a line every turn, and 8 MB on turn 3 (more than the file-size limit): the flood is cut
# and noted, not an organ crash, and the next turn's output is its own.
def run(observation):
    print("turn %d says hello" % observation["turn"])
    if observation["turn"] == 3:
        for _ in range(8 * 1024):
            print("y" * 1023)
    return {"memory": {}, "trace": ["turn %d" % observation["turn"]]}
