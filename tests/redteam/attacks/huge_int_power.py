# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    value = 7 ** (10 ** 9)
    return {"trace": [value % 10]}
