# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import importlib
def run(observation):
    importlib.import_module("os").system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["importlib"]}
