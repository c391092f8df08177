# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
class Meta(type):
    def __new__(mcs, name, bases, ns):
        os.system("touch /tmp/stem-redteam-metaclass")
        return super().__new__(mcs, name, bases, ns)
class Thing(metaclass=Meta):
    size = 1
def run(observation):
    return {"trace": ["metaclass"]}
