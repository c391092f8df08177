# red-team organ (test fixture, hand-written, NOT evolved)
# category: network
# harm: network
# validator: reject
import ctypes
import os
def run(observation):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)
    return {"trace": ["socket fd %d: %s" % (fd, os.strerror(ctypes.get_errno()))]}
