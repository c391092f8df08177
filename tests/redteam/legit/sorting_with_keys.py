# legitimate organ (test fixture, hand-written, NOT evolved)
from operator import itemgetter
def run(observation):
    rows = [{"asset": a, "price": float(p)} for a, p in zip("zyxw", observation["delta"]["prices"])]
    rows.sort(key=itemgetter("price"), reverse=True)
    return {"trace": ["sorted"], "artifact": [r["asset"] for r in sorted(rows, key=lambda r: (r["price"], r["asset"]))]}
