# legitimate organ (test fixture, hand-written, NOT evolved)
import itertools
def run(observation):
    prices = [float(p) for p in observation["delta"]["prices"]]
    pairs = [round(b - a, 2) for a, b in itertools.pairwise(prices)]
    combos = len(list(itertools.combinations(range(6), 3)))
    return {"trace": ["itertools"], "artifact": {"pairs": pairs, "combos": combos}}
