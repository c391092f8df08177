# legitimate organ (test fixture, hand-written, NOT evolved)
import textwrap
def run(observation):
    body = textwrap.fill(observation["delta"]["text"] * 3, width=20)
    return {"trace": ["wrapped"], "artifact": body.splitlines()}
