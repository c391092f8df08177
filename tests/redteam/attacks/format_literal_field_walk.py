# red-team organ (test fixture, hand-written, NOT evolved)
# category: format_string
# harm: read_secret
# validator: reject
def run(observation):
    return {"trace": ["{0.__init__.__globals__}".format(run)[:500]]}
