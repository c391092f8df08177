# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
import gc
def run(observation):
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "system" in obj and "fork" in obj:
            obj["system"]("touch " + observation["delta"]["marker_path"])
            break
    return {"trace": ["gc"]}
