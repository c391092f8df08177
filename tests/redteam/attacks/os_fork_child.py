# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import os
def run(observation):
    pid = os.fork()
    if pid == 0:
        os.system("touch " + observation["delta"]["marker_path"])
        os._exit(0)
    return {"trace": ["forked"]}
