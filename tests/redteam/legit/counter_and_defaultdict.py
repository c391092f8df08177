# legitimate organ (test fixture, hand-written, NOT evolved)
from collections import Counter, defaultdict
def run(observation):
    words = observation["delta"]["text"].replace("=", " ").split()
    groups = defaultdict(list)
    for w in words:
        groups[len(w)].append(w)
    return {"trace": ["counter"], "artifact": {"top": Counter(words).most_common(2), "groups": {str(k): v for k, v in groups.items()}}}
