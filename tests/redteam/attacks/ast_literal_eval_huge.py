# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
import ast
def run(observation):
    text = "[" + "1, " * 40_000_000 + "]"
    return {"trace": [len(ast.literal_eval(text))]}
