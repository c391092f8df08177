# red-team organ (test fixture, hand-written, NOT evolved)
# category: files
# harm: read_secret
# validator: reject
import os
def run(observation):
    seen = []
    for top in ("/", "/tmp", "/work", "/root"):
        try:
            seen.append(top + ":" + ",".join(sorted(os.listdir(top))))
        except OSError as exc:
            seen.append(top + ":" + type(exc).__name__)
    return {"trace": seen}
