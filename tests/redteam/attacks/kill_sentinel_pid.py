# red-team organ (test fixture, hand-written, NOT evolved)
# category: signals
# harm: kill_parent
# validator: reject
import os
def run(observation):
    os.kill(observation["delta"]["sentinel_pid"], 9)
    return {"trace": ["killed sentinel"]}
