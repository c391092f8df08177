# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
os.system("touch /tmp/stem-redteam-toplevel")
def run(observation):
    return {"trace": ["top level"]}
