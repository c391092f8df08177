# legitimate organ (test fixture, hand-written, NOT evolved)
import copy
def run(observation):
    base = {"a": [1, 2], "b": {"c": 3}}
    clone = copy.deepcopy(base)
    clone["a"].append(9)
    left, right = {1, 2, 3, 5}, {2, 3, 7}
    return {"trace": ["copy"], "artifact": {"base": base["a"], "clone": clone["a"], "inter": sorted(left & right),
                                            "sym": sorted(left ^ right)}}
