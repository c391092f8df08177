# legitimate organ (test fixture, hand-written, NOT evolved)
from enum import Enum
class State(Enum):
    START = 1
    DATA = 2
    FINAL = 3
def run(observation):
    state = State.FINAL if observation["final_turn"] else State.DATA
    return {"trace": [state.name], "artifact": {"state": state.value}}
