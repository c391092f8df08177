# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import os
import time
def run(observation):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(2)
            os.system("touch " + observation["delta"]["marker_path"])
        os._exit(0)
    return {"trace": ["daemonised"]}
