"""trading_floor: reach position targets from a windowed market feed with a legal, cash-optimal ledger.

Public files: rules.txt, contract.json, portfolio.json, market.csv. Private: the reference solution.
All money is integer cents internally; files carry two-decimal strings.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from stem.benchmark.domain_api import Domain, turns_rule
from stem.benchmark.episode_model import Episode, dump_json
from stem.benchmark.manifest import Loader, OutputContract, TaskManifest, schedule, windows
from stem.benchmark.money import fmt, to_cents
from stem.benchmark.public_check import bad, json_file, require
from stem.benchmark.verdict import Check, check
from stem.errors import StemError

NAME = "trading_floor"
SHORT = "trading"
SYMBOLS = ["ALP", "BRV", "CXN", "DLT", "EKO", "FRM", "GLD", "HVN", "IRS", "JTK", "KLM", "LUX", "MOR", "NYX"]
ARTIFACT_KEYS = ["ledger", "final_positions", "final_cash", "impossible", "unmet_targets"]

RULES = """TRADING FLOOR RULES

You manage one portfolio for one session. contract.json gives a target quantity for every
asset you may trade, the flat fee charged per order, and the closing cash floor.
portfolio.json gives the starting cash and positions. market.csv arrives in windows, one
row per (tick, asset) quote: tick, asset, bid, ask, max_qty.

""" + turns_rule("the next window of market.csv rows") + """
Where each value arrives (observation["delta"])
- turn 1: "rules" (this text), "contract" (contract.json as an object: "targets" {asset: qty},
  "fee" and "cash_floor" as two-decimal strings), "portfolio" (portfolio.json: "cash" string,
  "positions" {asset: qty}).
- each data turn: "market_rows", a list of the next rows of market.csv as objects whose values
  are all strings (e.g. {"tick": "3", "asset": "GLD", "bid": "8.71", "ask": "8.93",
  "max_qty": "5"}); convert them yourself. Keep rows in memory: later turns do not repeat them.
- final turn: "output_contract"; no new rows.

Orders
1. An order is BUY or SELL of a whole positive quantity of one asset at one quoted tick.
   Only (tick, asset) pairs that appear in market.csv can be traded.
2. BUY fills at that row's ask; SELL fills at that row's bid. Every order also pays the flat fee.
   BUY: cash -= qty * ask + fee.  SELL: cash += qty * bid - fee.
3. qty may not exceed that row's max_qty.
4. An asset trades at most once per tick, and never on two consecutive ticks (t and t+1).
5. Trade only toward a target: BUY an asset whose position is below its target, SELL one above
   it, never past the target. Assets whose position already equals the target (target-zero
   distractors included) are not traded. Assets absent from the contract are not traded.
6. After the last order the cash must be at least the closing cash floor.

Harder markets (levels 5-6)
7. market.csv has a venue column: several venues may quote the same (tick, asset), each with
   its own bid, ask and max_qty. An order names its venue ("venue" in the ledger row) and fills
   at that venue's price within its max_qty. An asset still trades at most once per tick (at one
   venue) and never on ticks t and t+1.
8. The feed is dirty: a row may appear more than once (identical rows are one quote), rows
   arrive in any tick order across windows, and some tick numbers have no rows at all
   (consecutive means tick numbers t and t+1, so ticks 3 and 5 are not consecutive).
9. Markets are larger (up to 40 ticks, 3 venues, 7 assets to move, 45 units per asset): search
   per asset with dynamic programming; enumerating combinations of rows does not finish in time.

Goal and what "best" means
- If every target can be reached with closing cash >= floor, reach every target and end with
  the maximum possible cash. Any ledger that does so is correct; ties need no breaking.
- Otherwise the goal is impossible. Then each asset is either brought exactly to its target or
  not traded at all (no partial fills), closing cash must still be >= floor, and the best
  ledger first maximises the number of assets brought to target, then the closing cash.
  Set "impossible": true and list the assets left short of target in "unmet_targets".

Answer (final turn)
{"ledger": [{"tick": int, "asset": str, "side": "BUY"|"SELL", "qty": int,
             "price": "12.34", "fee": "1.00", "cash_after": "987.65",
             "venue": str (levels 5-6 only)}, ...],
 "final_positions": {asset: qty for every contract asset}, "final_cash": "...",
 "impossible": bool, "unmet_targets": [asset, ...]}
Ledger rows are in chronological order (ticks never decrease); cash_after is the cash right
after that row, applying rows in the listed order. Money is a string with two decimals.
"""


@dataclass(frozen=True)
class Knobs:
    buy_assets: int
    ticks: int
    distractors: int
    surplus: int
    tight_qty: bool
    missing_rows: int
    data_turns: int
    impossible_chance: float
    venues: int = 0  # levels 5-6: venues quoting each (tick, asset)
    missing_ticks: int = 0  # tick numbers absent from the whole market
    duplicates: int = 0  # rows repeated verbatim
    shuffled: bool = False  # rows (and so windows) out of tick order
    want: tuple[int, int] = (6, 16)  # units a buyer needs (tight markets)


KNOBS = {
    1: Knobs(2, 6, 0, 0, False, 0, 2, 0.0),
    2: Knobs(2, 8, 1, 1, True, 1, 3, 0.0),
    3: Knobs(3, 10, 1, 1, True, 3, 3, 0.35),
    4: Knobs(3, 12, 2, 2, True, 4, 4, 1.0),
    5: Knobs(4, 20, 2, 2, True, 6, 5, 0.3, venues=2, missing_ticks=2, duplicates=6, shuffled=True, want=(10, 24)),
    6: Knobs(5, 40, 2, 2, True, 12, 6, 0.4, venues=3, missing_ticks=4, duplicates=12, shuffled=True, want=(20, 45)),
}
VENUES = ["north", "south", "dark"]


@dataclass(frozen=True)
class Quote:
    tick: int
    asset: str
    bid: int
    ask: int
    max_qty: int
    venue: str = ""  # levels 5-6: several venues quote the same (tick, asset)


# ---------------------------------------------------------------- parsing public files

def parse_market(text: str) -> dict[tuple[int, str, str], Quote]:
    """Quotes keyed by (tick, asset, venue); venue is "" when the file has no venue column. Identical
    repeated rows are one quote."""
    market: dict[tuple[int, str, str], Quote] = {}
    reader = csv.DictReader(io.StringIO(text))
    missing = {"tick", "asset", "bid", "ask", "max_qty"} - set(reader.fieldnames or [])
    if missing:
        raise bad("market.csv", sorted(missing)[0], "column missing from the header")
    for n, row in enumerate(reader, 2):
        try:
            q = Quote(int(row["tick"]), row["asset"], to_cents(row["bid"]), to_cents(row["ask"]), int(row["max_qty"]),
                      row.get("venue") or "")
        except (TypeError, ValueError) as exc:
            raise bad("market.csv", f"line {n}", str(exc)) from None
        market[(q.tick, q.asset, q.venue)] = q
    return market


def venue_csv(rows: list[Quote]) -> str:
    """Levels 5-6: rows as given (any order, repeats kept), with the venue column."""
    out = io.StringIO()
    out.write("tick,asset,venue,bid,ask,max_qty\n")
    for q in rows:
        out.write(f"{q.tick},{q.asset},{q.venue},{fmt(q.bid)},{fmt(q.ask)},{q.max_qty}\n")
    return out.getvalue()


def market_csv(quotes: list[Quote]) -> str:
    out = io.StringIO()
    out.write("tick,asset,bid,ask,max_qty\n")
    for q in sorted(quotes, key=lambda q: (q.tick, q.asset)):
        out.write(f"{q.tick},{q.asset},{fmt(q.bid)},{fmt(q.ask)},{q.max_qty}\n")
    return out.getvalue()


@dataclass(frozen=True)
class Problem:
    market: dict[tuple[int, str, str], Quote]
    targets: dict[str, int]
    positions: dict[str, int]
    cash: int
    fee: int
    floor: int


def problem_from_files(files: dict[str, str]) -> Problem:
    contract = json_file(files, "contract.json")
    portfolio = json_file(files, "portfolio.json")
    targets = require("contract.json", contract, "targets", dict)
    positions = require("portfolio.json", portfolio, "positions", dict)
    money = {}
    for file, obj, field in (("contract.json", contract, "fee"), ("contract.json", contract, "cash_floor"),
                             ("portfolio.json", portfolio, "cash")):
        try:
            money[field] = to_cents(require(file, obj, field, (str, int, float)))
        except ValueError as exc:
            raise bad(file, field, str(exc)) from None
    for file, table in (("contract.json", targets), ("portfolio.json", positions)):
        for asset, qty in table.items():
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
                raise bad(file, asset, f"quantity must be a non-negative integer, got {qty!r}")
    if "market.csv" not in files:
        raise StemError("market.csv: public artifact is missing from the episode; regenerate it")
    return Problem(parse_market(files["market.csv"]), dict(targets),
                   {a: int(positions.get(a, 0)) for a in targets}, money["cash"], money["fee"], money["cash_floor"])


def check_public(files: dict[str, str]) -> None:
    problem_from_files(files)


# ---------------------------------------------------------------- reference solver (private side)

def _asset_plan(quotes: list[Quote], need: int, side: str, fee: int) -> tuple[int, list[tuple[Quote, int]]] | None:
    """Cheapest legal way to trade `need` units of one asset: (net cash change, [(quote, qty)]), or None
    when the quantity cannot be reached. An asset trades at most once per tick (at one venue, when
    several quote it) and never on consecutive ticks. Exact DP over quotes in (tick, venue) order with
    state (index, remaining); taking quote i jumps to the first quote two ticks on."""
    quotes = sorted(quotes, key=lambda q: (q.tick, q.venue))
    ticks = [q.tick for q in quotes]
    after = [next((j for j in range(i, len(quotes)) if ticks[j] > ticks[i] + 1), len(quotes))
             for i in range(len(quotes))]
    memo: dict[tuple[int, int], tuple[int, tuple] | None] = {}

    def best(i: int, remaining: int) -> tuple[int, tuple] | None:
        if remaining == 0:
            return (0, ())
        if i == len(quotes):
            return None
        key = (i, remaining)
        if key in memo:
            return memo[key]
        q = quotes[i]
        result = best(i + 1, remaining)
        for qty in range(1, min(remaining, q.max_qty) + 1):
            rest = best(after[i], remaining - qty)
            if rest is None:
                continue
            delta = (qty * q.bid - fee) if side == "SELL" else -(qty * q.ask + fee)
            cand = (delta + rest[0], ((i, qty),) + rest[1])
            if result is None or cand[0] > result[0]:
                result = cand
        memo[key] = result
        return result

    found = best(0, need)
    if found is None:
        return None
    return found[0], [(quotes[i], qty) for i, qty in found[1]]


def _gap(problem: Problem, asset: str) -> tuple[str, int]:
    diff = problem.targets[asset] - problem.positions[asset]
    return ("BUY", diff) if diff > 0 else ("SELL", -diff)


def solve(problem: Problem) -> dict[str, Any]:
    """Reference solution: the best legal ledger under the rules' definition of best."""
    plans: dict[str, tuple[int, list[tuple[Quote, int]]] | None] = {}
    for asset in sorted(problem.targets):
        side, need = _gap(problem, asset)
        if need == 0:
            continue
        quotes = [q for q in problem.market.values() if q.asset == asset]
        plans[asset] = _asset_plan(quotes, need, side, problem.fee)
    movable = [a for a, p in plans.items() if p is not None]
    best: tuple[int, int, tuple[str, ...]] | None = None
    for size in range(len(movable), -1, -1):
        for subset in combinations(movable, size):
            cash = problem.cash + sum(plans[a][0] for a in subset)
            if cash < problem.floor:
                continue
            cand = (size, cash, subset)
            if best is None or cand[:2] > best[:2]:
                best = cand
        if best is not None and best[0] == size:
            break
    unmet = sorted(a for a in plans if best is None or a not in best[2])
    chosen = best[2] if best is not None else ()
    impossible = bool(unmet)
    orders = []
    for asset in chosen:
        side, _ = _gap(problem, asset)
        for quote, qty in plans[asset][1]:
            orders.append((quote.tick, asset, side, qty, quote.ask if side == "BUY" else quote.bid, quote.venue))
    orders.sort(key=lambda o: (o[0], 0 if o[2] == "SELL" else 1, o[1]))
    cash = problem.cash
    positions = dict(problem.positions)
    ledger = []
    for tick, asset, side, qty, price, venue in orders:
        if side == "BUY":
            cash -= qty * price + problem.fee
            positions[asset] += qty
        else:
            cash += qty * price - problem.fee
            positions[asset] -= qty
        ledger.append({"tick": tick, "asset": asset, "side": side, "qty": qty, "price": fmt(price),
                       "fee": fmt(problem.fee), "cash_after": fmt(cash)} | ({"venue": venue} if venue else {}))
    met = sum(1 for a in problem.targets if positions[a] == problem.targets[a])
    return {
        "ledger": ledger,
        "final_positions": positions,
        "final_cash": fmt(cash),
        "impossible": impossible,
        "unmet_targets": unmet,
        "objective": {"met_targets": met, "final_cash_cents": cash},
    }


# ---------------------------------------------------------------- generator

def _max_capacity(quotes: list[Quote]) -> int:
    """Most units tradable in one asset without two consecutive ticks (path independent set)."""
    by_tick: dict[int, int] = {}
    for q in quotes:  # with several venues, the largest quote of a tick
        by_tick[q.tick] = max(by_tick.get(q.tick, 0), q.max_qty)
    take, skip, prev = 0, 0, None
    for t in sorted(by_tick):
        if prev is not None and t != prev + 1:
            skip = take = max(take, skip)
        take, skip = skip + by_tick[t], max(take, skip)
        prev = t
    return max(take, skip)


def generate_episode(seed: int, difficulty: int, split: str = "adhoc") -> Episode:
    if difficulty not in KNOBS:
        raise ValueError(f"trading difficulty must be one of {sorted(KNOBS)}")
    k = KNOBS[difficulty]
    rng = random.Random(f"{NAME}:{seed}:{difficulty}")
    n_assets = k.buy_assets + k.surplus + k.distractors
    symbols = sorted(rng.sample(SYMBOLS, n_assets))
    rng.shuffle(symbols)
    buyers = symbols[:k.buy_assets]
    sellers = symbols[k.buy_assets:k.buy_assets + k.surplus]
    fee = rng.choice([50, 75, 100, 125, 150, 200])

    quotes: list[Quote] = []
    gone = set(rng.sample(range(2, k.ticks), k.missing_ticks)) if k.missing_ticks else set()
    for sym in symbols:
        price = rng.randint(800, 6000)
        for tick in range(1, k.ticks + 1):
            price = max(200, price + rng.randint(-price // 12, price // 12))
            if tick in gone:
                continue
            for venue in (VENUES[:k.venues] if k.venues else [""]):
                if venue and venue != VENUES[0] and rng.random() < 0.25:
                    continue  # not every venue quotes every (tick, asset)
                mid = price + (rng.randint(-price // 40, price // 40) if venue else 0)
                spread = max(2, mid * rng.randint(5, 25) // 1000)
                max_qty = rng.randint(2, 7) if k.tight_qty else rng.randint(40, 90)
                quotes.append(Quote(tick, sym, mid - spread // 2, mid + spread - spread // 2, max_qty, venue))
    for _ in range(k.missing_rows):
        quotes.pop(rng.randrange(len(quotes)))

    positions: dict[str, int] = {}
    targets: dict[str, int] = {}
    for sym in symbols:
        cap = _max_capacity([q for q in quotes if q.asset == sym])
        if sym in buyers:
            positions[sym] = rng.randint(0, 8)
            want = rng.randint(*k.want) if k.tight_qty else rng.randint(5, 30)
            targets[sym] = positions[sym] + max(1, min(want, cap))
        elif sym in sellers:
            positions[sym] = rng.randint(8, 25)
            sell = min(positions[sym], cap, rng.randint(4, 14))
            targets[sym] = positions[sym] - max(1, sell)
        else:  # distractor: target zero, or already at target
            positions[sym] = rng.choice([0, 0, rng.randint(1, 9)])
            targets[sym] = 0 if positions[sym] == 0 else positions[sym]

    probe = Problem({(q.tick, q.asset, q.venue): q for q in quotes}, targets, positions, 0, fee, -10**12)
    full = solve(probe)
    spend = -full["objective"]["final_cash_cents"]  # net cash needed for the full plan
    cash = max(spend, 0) + rng.randint(500_00, 3000_00)
    final_all = cash - spend
    buy_costs = []
    for sym in buyers:
        plan = _asset_plan([q for q in quotes if q.asset == sym], targets[sym] - positions[sym], "BUY", fee)
        buy_costs.append(-plan[0])
    impossible = rng.random() < k.impossible_chance and buy_costs
    if impossible:
        floor = final_all + rng.randint(1, max(buy_costs) - 1 if max(buy_costs) > 1 else 1)
    else:
        floor = max(0, final_all - rng.randint(0, 800_00))

    episode_id = f"{SHORT}-s{seed}-d{difficulty}"
    contract = {"targets": targets, "fee": fmt(fee), "cash_floor": fmt(floor),
                "objective": "reach targets with maximal closing cash; see rules.txt"}
    portfolio = {"cash": fmt(cash), "positions": positions}
    if k.venues:  # dirty feed: repeated rows, any order
        rows = quotes + rng.sample(quotes, k.duplicates)
        if k.shuffled:
            rng.shuffle(rows)
        market = venue_csv(rows)
    else:
        market = market_csv(quotes)
    files = {"rules.txt": RULES, "contract.json": dump_json(contract), "portfolio.json": dump_json(portfolio),
             "market.csv": market}
    problem = problem_from_files(files)
    return Episode(manifest=build_manifest(episode_id, split, seed, difficulty, files["market.csv"], k.data_turns,
                                           by_rows=k.shuffled),
                   public_files=files, private={"expected": solve(problem)})


def build_manifest(episode_id: str, split: str, seed: int | None, difficulty: int | None,
                   market_text: str, data_turns: int, by_rows: bool = False) -> TaskManifest:
    """Windows of whole ticks in file order; `by_rows` (a shuffled feed): windows of rows as they come."""
    rows = list(csv.DictReader(io.StringIO(market_text)))
    ticks = sorted({int(r["tick"]) for r in rows})
    spans = []
    for lo, hi in ([] if by_rows else windows(len(ticks), data_turns)):
        idx = [i for i, r in enumerate(rows) if int(r["tick"]) in set(ticks[lo:hi])]
        spans.append((idx[0], idx[-1] + 1))
    if by_rows:
        spans = windows(len(rows), data_turns)
    turns = schedule("Read the rules, contract and portfolio. Market rows follow.",
                     [Loader(kind="text", key="rules", file="rules.txt"),
                      Loader(kind="structured_contract", key="contract", file="contract.json"),
                      Loader(kind="json", key="portfolio", file="portfolio.json")],
                     Loader(kind="csv_window", key="market_rows", file="market.csv", start=0, stop=0), spans,
                     "The market is closed. Submit the final ledger as the artifact.")
    return TaskManifest(domain=NAME, episode_id=episode_id, split=split, seed=seed, difficulty=difficulty,
                        min_turns=len(turns), turns=turns,
                        output_contract=OutputContract(artifact_keys=ARTIFACT_KEYS,
                                                       description="final ledger and state; see rules.txt"))


# ---------------------------------------------------------------- verifier

_ROW_KEYS = {"tick": int, "asset": str, "side": str, "qty": int, "price": (str, int, float),
             "fee": (str, int, float), "cash_after": (str, int, float)}


def _shape_problems(artifact: Any) -> list[str]:
    if not isinstance(artifact, dict):
        return [f"artifact must be a JSON object, got {type(artifact).__name__}"]
    problems = [f"missing key '{k}'" for k in ARTIFACT_KEYS if k not in artifact]
    if problems:
        return problems
    if not isinstance(artifact["ledger"], list):
        return ["'ledger' must be a list of rows"]
    for n, row in enumerate(artifact["ledger"], 1):
        if not isinstance(row, dict):
            return [f"ledger row {n} must be an object"]
        for key, typ in _ROW_KEYS.items():
            if key not in row:
                return [f"ledger row {n} is missing '{key}'"]
            if isinstance(row[key], bool) or not isinstance(row[key], typ):
                return [f"ledger row {n} field '{key}' has type {type(row[key]).__name__}"]
        if "venue" in row and not isinstance(row["venue"], str):
            return [f"ledger row {n} field 'venue' has type {type(row['venue']).__name__}"]
        for key in ("price", "fee", "cash_after"):
            try:
                to_cents(row[key])
            except ValueError as exc:
                return [f"ledger row {n} field '{key}': {exc}"]
    if not isinstance(artifact["final_positions"], dict):
        return ["'final_positions' must be an object of asset -> qty"]
    if not isinstance(artifact["impossible"], bool):
        return ["'impossible' must be true or false"]
    if not isinstance(artifact["unmet_targets"], list):
        return ["'unmet_targets' must be a list of assets"]
    try:
        to_cents(artifact["final_cash"])
    except ValueError as exc:
        return [f"'final_cash': {exc}"]
    return []


def _first(problems: list[str], limit: int = 3) -> str:
    more = f" (+{len(problems) - limit} more)" if len(problems) > limit else ""
    return "; ".join(problems[:limit]) + more


def verify_artifact(files: dict[str, str], private: dict[str, Any], artifact: Any) -> list[Check]:
    """Replay the submitted ledger against the market and rules, then compare with the reference optimum."""
    shape = _shape_problems(artifact)
    if shape:
        return [check("artifact_shape", False, "artifact with keys " + ", ".join(ARTIFACT_KEYS),
                      _first(shape), f"malformed artifact: {_first(shape)}", "incomplete_final_artifact")]
    problem = problem_from_files(files)
    venues = any(q.venue for q in problem.market.values())
    expected = private["expected"]
    rows = artifact["ledger"]
    cash = problem.cash
    positions = dict(problem.positions)
    issues: dict[str, list[str]] = {k: [] for k in ("exist", "order", "direction", "price", "fee", "qty",
                                                      "cooldown", "cash_after")}
    traded: dict[str, list[int]] = {}
    prev_tick = None
    for n, row in enumerate(rows, 1):
        tick, asset, side, qty = row["tick"], row["asset"], row["side"], row["qty"]
        where = f"row {n} (tick {tick}, {asset})"
        if prev_tick is not None and tick < prev_tick:
            issues["order"].append(f"{where} comes after tick {prev_tick}")
        prev_tick = tick
        quote = problem.market.get((tick, asset, row.get("venue", "") if venues else ""))
        if quote is None:
            issues["exist"].append(f"{where}: no such market row" + (f" at venue {row.get('venue')!r}" if venues else ""))
            continue
        if asset not in problem.targets:
            issues["direction"].append(f"{where}: asset is not in the contract")
            continue
        want_side, _ = _gap(problem, asset)
        if side not in ("BUY", "SELL") or qty <= 0 or side != want_side or problem.targets[asset] == problem.positions[asset]:
            issues["direction"].append(f"{where}: {side} {qty} does not move toward target "
                                       f"{problem.targets[asset]} from {problem.positions[asset]}")
        price = quote.ask if side == "BUY" else quote.bid
        if to_cents(row["price"]) != price:
            issues["price"].append(f"{where}: price {row['price']} but {'ask' if side == 'BUY' else 'bid'} is {fmt(price)}")
        if to_cents(row["fee"]) != problem.fee:
            issues["fee"].append(f"{where}: fee {row['fee']} but the contract fee is {fmt(problem.fee)}")
        if qty > quote.max_qty:
            issues["qty"].append(f"{where}: qty {qty} exceeds max_qty {quote.max_qty}")
        ticks = traded.setdefault(asset, [])
        if any(t in (tick - 1, tick, tick + 1) for t in ticks):
            issues["cooldown"].append(f"{where}: {asset} also trades at an adjacent or the same tick")
        ticks.append(tick)
        if side == "BUY":
            cash -= qty * price + problem.fee
            positions[asset] += qty
        elif side == "SELL":
            cash += qty * price - problem.fee
            positions[asset] -= qty
        if to_cents(row["cash_after"]) != cash:
            issues["cash_after"].append(f"{where}: cash_after {row['cash_after']} but replay gives {fmt(cash)}")

    checks = [
        check("rows_exist", not issues["exist"], "every row names a quoted (tick, asset" + (", venue)" if venues else ")"),
              _first(issues["exist"]), _first(issues["exist"]), "unknown_market_row"),
        check("chronological_order", not issues["order"], "ticks never decrease",
              _first(issues["order"]), _first(issues["order"]), "ledger_mismatch"),
        check("trade_direction", not issues["direction"], "only trades toward contract targets",
              _first(issues["direction"]), _first(issues["direction"]), "wrong_direction"),
        check("fill_prices", not issues["price"], "BUY at ask, SELL at bid",
              _first(issues["price"]), _first(issues["price"]), "price_mismatch"),
        check("fees", not issues["fee"], f"fee {fmt(problem.fee)} per order",
              _first(issues["fee"]), _first(issues["fee"]), "fee_mismatch"),
        check("quantity_limits", not issues["qty"], "qty <= max_qty of the row",
              _first(issues["qty"]), _first(issues["qty"]), "quantity_limit_exceeded"),
        check("cooldown", not issues["cooldown"], "no asset trades on the same or consecutive ticks",
              _first(issues["cooldown"]), _first(issues["cooldown"]), "cooldown_violation"),
        check("cash_after", not issues["cash_after"], "cash_after equals the replayed cash",
              _first(issues["cash_after"]), _first(issues["cash_after"]), "ledger_mismatch"),
    ]
    legal = all(c.passed for c in checks)

    reported = {a: artifact["final_positions"].get(a) for a in problem.targets}
    report_ok = reported == positions and to_cents(artifact["final_cash"]) == cash
    checks.append(check("reported_final_state", report_ok,
                        {"final_cash": fmt(cash), "final_positions": positions},
                        {"final_cash": artifact["final_cash"], "final_positions": artifact["final_positions"]},
                        "final_cash/final_positions do not match the replay of your own ledger", "ledger_mismatch"))

    met = sorted(a for a in problem.targets if positions[a] == problem.targets[a])
    partial = sorted(a for a in problem.targets
                     if positions[a] not in (problem.targets[a], problem.positions[a]))
    exp_met = expected["objective"]["met_targets"]
    targets_ok = not partial and len(met) == exp_met
    short = sorted(set(problem.targets) - set(met))
    checks.append(check("targets", targets_ok,
                        f"{exp_met} of {len(problem.targets)} assets at target" + (", no partial fills" if expected["impossible"] else ""),
                        {"at_target": len(met), "short": short, "partially_filled": partial},
                        f"assets short of target: {short}" + (f"; partially filled: {partial}" if partial else ""),
                        "target_missed"))
    checks.append(check("cash_floor", cash >= problem.floor, f">= {fmt(problem.floor)}", fmt(cash),
                        f"closing cash {fmt(cash)} is below the floor {fmt(problem.floor)}", "cash_floor_breach"))

    claimed = artifact["impossible"]
    unmet_claim = sorted(str(a) for a in artifact["unmet_targets"])
    if expected["impossible"]:
        ok = claimed is True and unmet_claim == short and bool(short)
        msg = ("the goal is impossible under the cash floor: set impossible=true and list the assets left short "
               f"of target in unmet_targets (your ledger leaves {short})")
        tag = "missing_impossibility_statement"
    else:
        ok = claimed is False and not unmet_claim
        msg = "every target is reachable above the floor: impossible must be false and unmet_targets empty"
        tag = "false_impossibility_claim"
    checks.append(check("impossibility_statement", ok, {"impossible": expected["impossible"], "unmet_targets": short if expected["impossible"] else []},
                        {"impossible": claimed, "unmet_targets": unmet_claim}, msg, tag))

    exp_cash = expected["objective"]["final_cash_cents"]
    optimal = legal and targets_ok and cash >= problem.floor and cash == exp_cash
    if not legal:
        why = "ledger is not legal, so it cannot be optimal"
    elif cash < exp_cash:
        why = f"closing cash {fmt(cash)} is below the best achievable {fmt(exp_cash)}: choose cheaper ticks/fewer orders"
    else:
        why = f"closing cash {fmt(cash)} does not match the best achievable {fmt(exp_cash)} with the targets met"
    checks.append(check("optimality", optimal, {"met_targets": exp_met, "final_cash": fmt(exp_cash)},
                        {"met_targets": len(met), "final_cash": fmt(cash)}, why, "suboptimal_ledger"))
    return checks


class TradingFloor(Domain):
    """The trading floor: a windowed market, position targets, a cash floor; a ledger verified by replay."""

    name = NAME
    short = SHORT
    aliases = ("trade",)
    levels = tuple(KNOBS)
    rules = RULES

    def generate(self, seed: int, level: int, split: str = "adhoc") -> Episode:
        return generate_episode(seed, level, split)

    def verify(self, episode: Episode, artifact: Any, record: Any = None) -> list[Check]:
        return verify_artifact(episode.public_files, episode.private, artifact)

    def reference_artifact(self, episode: Episode) -> dict[str, Any]:
        """The reference ledger in submission form (the solver's objective bookkeeping removed)."""
        return {k: v for k, v in episode.private["expected"].items() if k != "objective"}

    def check_public(self, files: dict[str, str]) -> None:
        check_public(files)


DOMAIN = TradingFloor()
