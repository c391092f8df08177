# red-team organ (test fixture, hand-written, NOT evolved)
# category: format_string
# harm: read_secret
# validator: reject
def run(observation):
    template = "{0." + "__glo" + "bals__}"
    return {"trace": [template.format(run)[:500]]}
