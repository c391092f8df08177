# legitimate organ (test fixture, hand-written, NOT evolved)
class Ledger:
    def __init__(self, cash):
        self.cash = cash
        self._rows = []
    def buy(self, qty, price):
        self.cash -= qty * price
        self._rows.append(("BUY", qty, price))
    def __len__(self):
        return len(self._rows)
    def __repr__(self):
        return "Ledger(%d rows)" % len(self._rows)
def run(observation):
    book = Ledger(100)
    for p in (3, 5, 7):
        book.buy(2, p)
    return {"trace": [repr(book)], "artifact": {"cash": book.cash, "rows": len(book)}}
