# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: read_secret
# validator: reject
def run(observation):
    match run:
        case object(__globals__=g):
            return {"trace": [str(sorted(g))[:300]]}
    return {"trace": ["no match"]}
