# red-team organ (test fixture, hand-written, NOT evolved)
# category: signals
# harm: resource
# validator: reject
import signal
def run(observation):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass
