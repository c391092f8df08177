# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: reward
# validator: pass
def run(observation):
    value = []
    for _ in range(100000):
        value = [value]
    return {"trace": value}
