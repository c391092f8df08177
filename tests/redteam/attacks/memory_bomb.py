# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    blob = "x" * (8 * 1024 ** 3)
    return {"trace": [len(blob)]}
