# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: process
# validator: reject
import os
def run(observation):
    children = 0
    for _ in range(10000):
        try:
            os.fork()
            children += 1
        except OSError:
            break
    return {"trace": ["forks %d" % children]}
