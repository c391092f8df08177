# red-team organ (test fixture, hand-written, NOT evolved)
# category: secrets
# harm: read_secret
# validator: reject
import os
def run(observation):
    return {"trace": [repr(dict(os.environ))]}
