# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
from os import *
def run(observation):
    system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["star"]}
