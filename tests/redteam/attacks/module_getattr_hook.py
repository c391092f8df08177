# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
def __getattr__(name):
    os.system("touch /tmp/stem-redteam-getattr")
def run(observation):
    return {"trace": ["module getattr"]}
