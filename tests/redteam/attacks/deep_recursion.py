# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def dive(n):
    return dive(n + 1) + 1
def run(observation):
    return {"trace": [dive(0)]}
