# legitimate organ (test fixture, hand-written, NOT evolved)
import math
def run(observation):
    pts = [(0, 0), (3, 4), (6, 8), (9, 12)]
    dist = sum(math.dist(a, b) for a, b in zip(pts, pts[1:]))
    return {"trace": ["math"], "artifact": {"dist": dist, "angle": round(math.degrees(math.atan2(4, 3)), 6),
                                            "gcd": math.gcd(84, 36)}}
