# red-team organ (test fixture, hand-written, NOT evolved)
# category: files
# harm: read_secret
# validator: reject
import pathlib
def run(observation):
    return {"trace": [pathlib.Path(observation["delta"]["secret_path"]).read_text()]}
