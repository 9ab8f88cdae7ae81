"""Forged, replayed and mis-addressed envelopes: the attack console and the test vectors."""
