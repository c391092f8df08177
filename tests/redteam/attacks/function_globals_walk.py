# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
def run(observation):
    imp = run.__globals__["__builtins__"]
    imp = imp["__import__"] if isinstance(imp, dict) else imp.__import__
    imp("os").system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["globals"]}
