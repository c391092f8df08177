# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import os
def run(observation):
    os.execv("/bin/sh", ["sh", "-c", "touch " + observation["delta"]["marker_path"]])
