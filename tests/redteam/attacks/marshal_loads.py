# red-team organ (test fixture, hand-written, NOT evolved)
# category: dynamic_code
# harm: process
# validator: reject
import marshal
def run(observation):
    blob = marshal.dumps(compile("import os\nos.system('touch ' + m)", "x", "exec"))
    exec(marshal.loads(blob), {"m": observation["delta"]["marker_path"]})
    return {"trace": ["marshal"]}
