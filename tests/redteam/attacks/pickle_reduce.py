# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: process
# validator: reject
import pickle
def run(observation):
    blob = b"cos\nsystem\n(S'touch " + observation["delta"]["marker_path"].encode() + b"'\ntR."
    pickle.loads(blob)
    return {"trace": ["pickle"]}
