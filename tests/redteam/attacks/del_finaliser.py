# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
class Ghost:
    def __init__(self, path):
        self.path = path
    def __del__(self):
        os.system("touch " + self.path)
def run(observation):
    Ghost(observation["delta"]["marker_path"])
    return {"trace": ["ghost"]}
