# legitimate organ (test fixture, hand-written, NOT evolved)
from collections import deque
def run(observation):
    adjacency = {}
    for src, dst in observation["delta"]["edges"]:
        adjacency.setdefault(src, []).append(dst)
    seen, order, queue = {"a"}, [], deque(["a"])
    while queue:
        node = queue.popleft()
        order.append(node)
        for nxt in sorted(adjacency.get(node, [])):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return {"trace": ["bfs"], "artifact": order}
