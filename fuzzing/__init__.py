"""Fuzzing harness for every decoder and the verifier (``./run fuzz``)."""
