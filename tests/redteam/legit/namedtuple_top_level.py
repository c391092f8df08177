# legitimate organ (test fixture, hand-written, NOT evolved)
from collections import namedtuple
Quote = namedtuple("Quote", ["tick", "bid", "ask"])
SPREAD_LIMIT = 0.5
def run(observation):
    quotes = [Quote(i, float(p) - 0.1, float(p) + 0.1) for i, p in enumerate(observation["delta"]["prices"])]
    tight = [q.tick for q in quotes if q.ask - q.bid < SPREAD_LIMIT]
    return {"trace": ["namedtuple"], "artifact": tight}
