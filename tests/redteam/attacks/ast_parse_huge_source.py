# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
import ast
def run(observation):
    tree = ast.parse("x = [1, 2, 3]\n" * 20_000_000)
    return {"trace": [len(tree.body)]}
