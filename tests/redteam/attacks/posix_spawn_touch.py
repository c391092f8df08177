# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import os
def run(observation):
    os.posix_spawn("/usr/bin/touch", ["touch", observation["delta"]["marker_path"]], {})
    return {"trace": ["spawned"]}
