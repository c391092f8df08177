# red-team organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem)
# category: resources
# harm: resource
# validator: pass
import ast
def run(observation):
    text = "[" + "1, " * 40_000_000 + "]"
    return {"trace": [len(ast.literal_eval(text))]}
