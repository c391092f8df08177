# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# a deeply nested source built at run time, given to ast.parse (elif chain, then + chain)
# category: resources
# harm: resource
# validator: pass
import ast
def run(observation):
    branches = 200_000
    chain = "if x == 0:\n    y = 0\n" + "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1, branches))
    tree = ast.parse(chain)
    plus = ast.parse("y = x" + " + x" * branches)
    return {"trace": [len(tree.body), len(plus.body)]}
