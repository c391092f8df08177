# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: resources
# harm: resource
# validator: pass
import ast
def run(observation):
    tree = ast.parse("x = [1, 2, 3]\n" * 20_000_000)
    return {"trace": [len(tree.body)]}
