# red-team organ (test fixture, hand-written, NOT evolved)
# category: introspection
# harm: process
# validator: reject
import operator
def run(observation):
    get = operator.attrgetter("__class__.__base__")
    for cls in get(()).__subclasses__():
        if cls.__name__ == "_wrap_close":
            operator.attrgetter("__init__.__globals__")(cls)["system"]("touch " + observation["delta"]["marker_path"])
    return {"trace": ["attrgetter"]}
