# legitimate organ (test fixture, hand-written, NOT evolved)
import unicodedata
def run(observation):
    names = ["STRAßE", "Straße", "Cafe\u0301"]
    return {"trace": ["unicode"], "artifact": [unicodedata.normalize("NFC", n).casefold() for n in names]}
