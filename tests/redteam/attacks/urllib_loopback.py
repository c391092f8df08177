# red-team organ (test fixture, hand-written, NOT evolved)
# category: network
# harm: network
# validator: reject
import urllib.request
def run(observation):
    urllib.request.urlopen("http://127.0.0.1:%d/" % observation["delta"]["port"], timeout=1)
    return {"trace": ["fetched"]}
