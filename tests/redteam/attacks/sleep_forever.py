# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: reject
import time
def run(observation):
    time.sleep(3600)
    return {"trace": ["slept"]}
