# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
def mark(fn):
    os.system("touch /tmp/stem-redteam-decorator")
    return fn
@mark
def run(observation):
    return {"trace": ["decorated"]}
