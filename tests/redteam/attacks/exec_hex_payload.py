# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: process
# validator: reject
def run(observation):
    code = bytes.fromhex("5f5f696d706f72745f5f28276f7327292e73797374656d2827746f7563682027202b20").decode() + repr(observation["delta"]["marker_path"]) + ")"
    exec(code)
    return {"trace": ["hex exec"]}
