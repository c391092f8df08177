# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import random
def run(observation):
    random._os.system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["random._os"]}
