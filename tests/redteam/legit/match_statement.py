# legitimate organ (test fixture, hand-written, NOT evolved)
def classify(item):
    match item:
        case {"side": "BUY", "qty": q} if q > 5:
            return "big buy"
        case {"side": "BUY"}:
            return "buy"
        case [x, y]:
            return "pair"
        case _:
            return "other"
def run(observation):
    items = [{"side": "BUY", "qty": 9}, {"side": "BUY", "qty": 1}, [1, 2], "x"]
    return {"trace": ["match"], "artifact": [classify(i) for i in items]}
