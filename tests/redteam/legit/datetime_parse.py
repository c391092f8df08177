# legitimate organ (test fixture, hand-written, NOT evolved)
from datetime import datetime, timedelta
def run(observation):
    start = datetime.strptime("2026-11-22 09:30", "%Y-%m-%d %H:%M")
    ticks = [(start + timedelta(minutes=5 * i)).strftime("%H:%M") for i in range(4)]
    return {"trace": ["datetime"], "artifact": ticks}
