"""The conformance suite: captured frames, two decoders, replay, broken frames, fuzz.

See README.md in this directory for what each part checks and how to run it
against another implementation.
"""
