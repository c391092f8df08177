# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
def run(observation: __import__("os").system("touch /tmp/stem-redteam-annotation")) -> dict:
    return {"trace": ["annotation"]}
