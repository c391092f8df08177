# red-team organ (test fixture, hand-written, NOT evolved)
# category: implicit_execution
# harm: process
# validator: reject
import os
class Base:
    def __init_subclass__(cls):
        os.system("touch /tmp/stem-redteam-subclass")
class Child(Base):
    size = 2
def run(observation):
    return {"trace": ["subclass"]}
