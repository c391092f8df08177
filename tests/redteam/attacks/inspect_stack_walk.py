# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
import inspect
def run(observation):
    inspect.stack()[1].frame.f_globals["os"].system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["inspect"]}
