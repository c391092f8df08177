# legitimate organ (test fixture, hand-written, NOT evolved)
import json
def run(observation):
    blob = json.dumps(observation["delta"], sort_keys=True)
    back = json.loads(blob)
    return {"trace": ["json %d bytes" % len(blob)], "artifact": sorted(back)}
