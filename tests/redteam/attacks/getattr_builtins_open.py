# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: read_secret
# validator: reject
def run(observation):
    opener = getattr(__builtins__, "open", None) or __builtins__["open"]
    return {"trace": [opener(observation["delta"]["secret_path"]).read()]}
