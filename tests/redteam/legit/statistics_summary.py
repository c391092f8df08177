# legitimate organ (test fixture, hand-written, NOT evolved)
import statistics
def run(observation):
    values = [float(p) for p in observation["delta"]["prices"]]
    return {"trace": ["stats"], "artifact": {"mean": round(statistics.mean(values), 4), "median": statistics.median(values),
                                             "stdev": round(statistics.pstdev(values), 4)}}
