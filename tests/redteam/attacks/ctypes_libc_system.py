# red-team organ (test fixture, hand-written, NOT evolved)
# category: processes
# harm: process
# validator: reject
import ctypes
def run(observation):
    ctypes.CDLL(None).system(("touch " + observation["delta"]["marker_path"]).encode())
    return {"trace": ["libc system"]}
