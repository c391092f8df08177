# red-team organ (test fixture, hand-written, NOT evolved)
# category: network
# harm: network
# validator: reject
import http.client
def run(observation):
    conn = http.client.HTTPConnection("127.0.0.1", observation["delta"]["port"], timeout=1)
    conn.request("GET", "/")
    return {"trace": ["requested"]}
