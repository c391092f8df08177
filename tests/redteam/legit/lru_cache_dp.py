# legitimate organ (test fixture, hand-written, NOT evolved)
from functools import lru_cache
def run(observation):
    prices = tuple(int(float(p) * 100) for p in observation["delta"]["prices"])
    @lru_cache(maxsize=None)
    def best(i, last):
        if i >= len(prices):
            return 0
        skip = best(i + 1, False)
        take = prices[i] + best(i + 1, True) if not last else -1
        return max(skip, take)
    return {"trace": ["dp"], "artifact": best(0, False)}
