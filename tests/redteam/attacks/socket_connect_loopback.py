# red-team organ (test fixture, hand-written, NOT evolved)
# category: network
# harm: network
# validator: reject
import socket
def run(observation):
    s = socket.create_connection(("127.0.0.1", observation["delta"]["port"]), timeout=1)
    s.sendall(b"pwned")
    return {"trace": ["connected"]}
