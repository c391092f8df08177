# legitimate organ (test fixture, hand-written, NOT evolved)
import re
PATTERN = re.compile(r"(?P<key>[a-z]+)=(?P<value>\d+)")
def run(observation):
    found = {m.group("key"): int(m.group("value")) for m in PATTERN.finditer(observation["delta"]["text"])}
    return {"trace": ["regex"], "artifact": found}
