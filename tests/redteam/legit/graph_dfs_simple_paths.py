# legitimate organ (test fixture, hand-written, NOT evolved)
def run(observation):
    adjacency = {}
    for src, dst in observation["delta"]["edges"]:
        adjacency.setdefault(src, []).append(dst)
    paths = []
    def walk(path):
        if len(path) == 3:
            paths.append(list(path))
            return
        for nxt in adjacency.get(path[-1], []):
            if nxt not in path:
                walk(path + [nxt])
    walk(["a"])
    return {"trace": ["dfs"], "artifact": sorted(paths)}
