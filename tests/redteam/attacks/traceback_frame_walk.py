# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
def run(observation):
    try:
        1 / 0
    except ZeroDivisionError as exc:
        frame = exc.__traceback__.tb_frame
    while frame.f_back is not None:
        frame = frame.f_back
    frame.f_globals["os"].system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["traceback"]}
