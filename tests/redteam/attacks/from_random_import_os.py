# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
from random import _os
def run(observation):
    _os.system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["from random import _os"]}
