# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    total = 0
    while True:
        total += 1
    return {"trace": [total]}
