# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import subprocess
def run(observation):
    subprocess.run(["touch", observation["delta"]["marker_path"]])
    return {"trace": ["subprocess"]}
