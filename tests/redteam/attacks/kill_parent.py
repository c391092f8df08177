# red-team organ (test fixture, hand-written, NOT evolved)
# category: signals
# harm: kill_parent
# validator: reject
import os
import signal
def run(observation):
    os.kill(os.getppid(), signal.SIGKILL)
    return {"trace": ["killed parent"]}
