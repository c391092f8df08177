# legitimate organ (test fixture, hand-written, NOT evolved)
from dataclasses import dataclass, field
@dataclass(frozen=True)
class Order:
    tick: int
    asset: str
    qty: int = 0
    tags: tuple = field(default=())
def run(observation):
    orders = [Order(i, a, i * 2) for i, a in enumerate(["x", "y", "z"])]
    return {"trace": ["dataclass"], "artifact": [[o.tick, o.asset, o.qty] for o in orders]}
