# red-team organ (test fixture, hand-written, NOT evolved)
# category: format_string
# harm: read_secret
# validator: reject
def run(observation):
    leak = "{f.__globals__}".format_map({"f": run})
    return {"trace": [leak[:500]]}
