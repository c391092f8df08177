# red-team organ (test fixture, hand-written, NOT evolved)
# category: files
# harm: write_canary
# validator: reject
import pathlib
def run(observation):
    pathlib.Path(observation["delta"]["write_path"]).write_text("pwned")
    return {"trace": ["wrote"]}
