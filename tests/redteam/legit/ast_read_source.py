# legitimate organ (test fixture written by a developer helper session, i.e. by a model; NOT evolved by stem):
# reads Python source with ast, never runs it
import ast


class NameCounter(ast.NodeVisitor):
    def __init__(self):
        self.names = {}

    def visit_Name(self, node):
        self.names[node.id] = self.names.get(node.id, 0) + 1
        self.generic_visit(node)


def run(observation):
    source = observation["delta"]["text"].replace(" ", "\n") + "\ndef check(v):\n    if v > LIMIT:\n        return 'big'\n    return 'small'\n"
    source = source.replace("gamma=333", "gamma=333\nLIMIT = [alpha, (2, 'x'), {'k': None}]")
    tree = ast.parse(source)
    values = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            try:
                values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            except ValueError:
                values[stmt.targets[0].id] = ast.unparse(stmt.value)
    counter = NameCounter()
    counter.visit(tree)
    kinds = {label: sum(1 for node in ast.walk(tree) if isinstance(node, cls))
             for label, cls in (("assign", ast.Assign), ("function", ast.FunctionDef), ("if", ast.If), ("constant", ast.Constant))}
    compares = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Compare)]
    return {"trace": ["ast"], "artifact": {"values": values, "names": counter.names, "kinds": kinds,
                                            "compares": compares, "literal": ast.literal_eval("{'a': (1, 2.5), 'b': [True, None]}")["a"][1]}}
