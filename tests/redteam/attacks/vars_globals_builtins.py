# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: read_secret
# validator: reject
def run(observation):
    b = globals()["__builtins__"]
    opener = b["open"] if isinstance(b, dict) else vars(b)["open"]
    return {"trace": [opener(observation["delta"]["secret_path"]).read()]}
