"""Benchmark episodes: manifests, seeded generators, reference solvers (private side) and verifiers."""
