# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import ast
def run(observation):
    ast.sys.modules["os"].system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["ast.sys"]}
