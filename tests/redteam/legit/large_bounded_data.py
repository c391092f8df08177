# legitimate organ (test fixture, hand-written, NOT evolved)
def run(observation):
    table = [[(r * 31 + c * 17) % 1000 for c in range(200)] for r in range(2000)]
    column_sums = [sum(row[c] for row in table) for c in range(0, 200, 50)]
    return {"trace": ["400k cells"], "artifact": column_sums}
