# legitimate organ (test fixture, hand-written, NOT evolved)
import bisect
def run(observation):
    ticks = [1, 3, 4, 8, 13, 21]
    return {"trace": ["bisect"], "artifact": [bisect.bisect_left(ticks, q) for q in (0, 4, 9, 30)]}
