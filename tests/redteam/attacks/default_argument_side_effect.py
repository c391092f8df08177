# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
def run(observation, _=__import__("os").system("touch /tmp/stem-redteam-default")):
    return {"trace": ["default"]}
