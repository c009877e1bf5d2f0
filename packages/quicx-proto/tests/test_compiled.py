"""construct compiles every codec natively, with no interpreted fallback."""

from __future__ import annotations

import pytest
from quicx_proto import MsgType
from quicx_proto._codec import COMPILED, INTERPRETED


@pytest.mark.parametrize("msg_type", list(MsgType), ids=lambda t: t.name)
def test_body_codec_compiles_without_fallback(msg_type: MsgType) -> None:
    source = COMPILED._by_type[msg_type][0].source
    assert "linkedparsers[" not in source
    assert "linkedbuilders[" not in source


def test_header_codec_compiles_without_fallback() -> None:
    source = COMPILED._header.source
    assert "linkedparsers[" not in source
    assert "linkedbuilders[" not in source


def test_modes() -> None:
    assert COMPILED.compiled
    assert not INTERPRETED.compiled
    assert not hasattr(INTERPRETED._header, "source")
