# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import multiprocessing
import os
def touch(path):
    os.system("touch " + path)
def run(observation):
    p = multiprocessing.Process(target=touch, args=(observation["delta"]["marker_path"],))
    p.start()
    p.join()
    return {"trace": ["multiprocessing"]}
