# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: process
# validator: reject
import posixpath
def run(observation):
    posixpath.os.system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["posixpath.os"]}
