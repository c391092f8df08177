# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: read_secret
# validator: reject
import dataclasses
def run(observation):
    text = dataclasses.builtins.open(observation["delta"]["secret_path"]).read()
    return {"trace": [text]}
