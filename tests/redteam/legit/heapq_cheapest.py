# legitimate organ (test fixture, hand-written, NOT evolved)
import heapq
def run(observation):
    cheapest = heapq.nsmallest(3, (float(p) for p in observation["delta"]["prices"]))
    return {"trace": ["heap"], "artifact": cheapest}
