# legitimate organ (test fixture, hand-written, NOT evolved)
from decimal import Decimal, ROUND_HALF_UP
def run(observation):
    cash = Decimal("1000.00")
    for price in observation["delta"]["prices"]:
        cash -= (Decimal(price) * 3 + Decimal("1.25")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"trace": ["decimal"], "artifact": {"cash": str(cash)}}
