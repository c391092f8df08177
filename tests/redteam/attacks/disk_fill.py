# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: write_canary
# validator: reject
def run(observation):
    with open(observation["delta"]["write_path"], "w") as fh:
        while True:
            fh.write("x" * 1048576)
