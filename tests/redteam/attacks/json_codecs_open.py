# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: read_secret
# validator: reject
import json
def run(observation):
    return {"trace": [json.codecs.open(observation["delta"]["secret_path"]).read()]}
