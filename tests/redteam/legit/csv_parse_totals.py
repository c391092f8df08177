# legitimate organ (test fixture, hand-written, NOT evolved)
import csv
def run(observation):
    rows = list(csv.DictReader(observation["delta"]["csv_text"].splitlines()))
    totals = {}
    for row in rows:
        totals[row["asset"]] = totals.get(row["asset"], 0) + int(row["qty"])
    return {"trace": ["parsed %d rows" % len(rows)], "artifact": totals}
