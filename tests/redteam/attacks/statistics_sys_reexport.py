# red-team organ (test fixture, hand-written, NOT evolved)
# category: imports
# harm: read_secret
# validator: reject
import statistics
def run(observation):
    os = statistics.sys.modules["os"]
    fd = os.open(observation["delta"]["secret_path"], os.O_RDONLY)
    return {"trace": [os.read(fd, 200).decode()]}
