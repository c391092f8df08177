# legitimate organ (test fixture, hand-written, NOT evolved)
def fib(n, memo):
    if n < 2:
        return n
    if n not in memo:
        memo[n] = fib(n - 1, memo) + fib(n - 2, memo)
    return memo[n]
def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)
def run(observation):
    return {"trace": ["recursion"], "artifact": {"fib": fib(90, {}), "depth": depth(500)}}
