# red-team organ (test fixture, hand-written, NOT evolved)
# category: files
# harm: write_canary
# validator: reject
import os
def run(observation):
    fd = os.open(observation["delta"]["write_path"], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o666)
    os.write(fd, b"pwned")
    return {"trace": ["wrote"]}
