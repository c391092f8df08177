# legitimate organ (test fixture, hand-written, NOT evolved)
def run(observation):
    lines = []
    for i, price in enumerate(observation["delta"]["prices"]):
        lines.append("{:>3}|{:>8}".format(i, price))
        lines.append(f"{i:03d}:{float(price):.2f}")
    return {"trace": lines[:2], "artifact": lines}
