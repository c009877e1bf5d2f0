"""Tests of quicx-client over sockets, against scripted daemons and real ones."""
