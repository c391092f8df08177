# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import os
def run(observation):
    os.system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["system"]}
