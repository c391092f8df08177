# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    return {"trace": ["y" * (64 * 1024 * 1024)]}
