# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: process
# validator: reject
def run(observation):
    eval("__imp" + "ort__('o' + 's')").system("touch " + observation["delta"]["marker_path"])
    return {"trace": ["eval"]}
