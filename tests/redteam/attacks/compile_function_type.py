# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: process
# validator: reject
import types
def run(observation):
    code = compile("import os\nos.system('touch ' + m)", "x", "exec")
    types.FunctionType(code, {"m": observation["delta"]["marker_path"]})()
    return {"trace": ["FunctionType"]}
