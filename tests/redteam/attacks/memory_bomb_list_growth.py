# red-team organ (test fixture, hand-written, NOT evolved)
# category: resources
# harm: resource
# validator: pass
def run(observation):
    chunks = []
    while True:
        chunks.append(bytearray(50 * 1024 * 1024))
    return {"trace": [len(chunks)]}
