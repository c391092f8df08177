# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
def run(observation):
    __import__("os").system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["__import__"]}
