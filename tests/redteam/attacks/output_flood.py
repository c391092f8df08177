# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    line = "x" * 65536
    while True:
        print(line)
