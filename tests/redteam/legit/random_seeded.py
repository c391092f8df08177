# legitimate organ (test fixture, hand-written, NOT evolved)
import random
def run(observation):
    rng = random.Random(42)
    return {"trace": ["seeded"], "artifact": [rng.randint(1, 100) for _ in range(5)]}
