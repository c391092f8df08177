# -*- coding: utf-7 -*-
# red-team organ (test fixture, hand-written, NOT evolved)
# category: validator_dos
# harm: dos
# validator: reject
def run(observation):
    return {'trace': ['+AF8AXw-import+AF8AXw-']}
