# legitimate organ (test fixture, hand-written, NOT evolved)
from fractions import Fraction
def run(observation):
    total = sum(Fraction(1, n) for n in range(1, 30))
    return {"trace": ["fractions"], "artifact": [total.numerator % 1000003, total.denominator % 1000003]}
