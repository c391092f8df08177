# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: reject
import threading
import time
def run(observation):
    started = 0
    for _ in range(100000):
        threading.Thread(target=time.sleep, args=(3600,)).start()
        started += 1
    return {"trace": ["threads %d" % started]}
