# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
def run(observation):
    gen = (x for x in [1])
    b = gen.gi_frame.f_builtins
    b["__import__"]("os").system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["gi_frame"]}
