"""The Kaitai Struct reference decoder, compiled from spec/quicx.ksy.

quicx_frame.py is written by spec/kaitai/compile.mjs; do not edit it by hand.
"""
