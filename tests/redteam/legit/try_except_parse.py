# legitimate organ (test fixture, hand-written, NOT evolved)
def run(observation):
    good, bad = [], []
    for token in ["12", "x", "7.5", "", "-3"]:
        try:
            good.append(int(token))
        except ValueError:
            bad.append(token)
    return {"trace": ["parsed"], "artifact": {"good": good, "bad": bad}}
