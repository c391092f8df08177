# red-team organ (test fixture, hand-written, NOT evolved): 90 nested lists are legal Python within the
# validator's depth cap (the tokenizer stops at 200 brackets); the result schema (depth 32) refuses the answer
# category: validator_dos
# harm: dos
# validator: pass
def run(observation):
    return {'trace': [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
