"""The AWS event-stream encoder, checked against botocore's own decoder."""

from __future__ import annotations

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes._wire._eventstream import Decoder, EventStreamError, encode
from fakes.strategies import byte_cuts

HEADERS = {":event-type": "contentBlockDelta", ":message-type": "event", "ünï": "cödé ✓"}


def _botocore(data: bytes) -> list[tuple[dict[str, object], bytes]]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return [(message.headers, message.payload) for message in buffer]


@settings(max_examples=50)
@given(
    st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=4),
    st.binary(max_size=300),
)
def test_botocore_decodes_what_is_encoded(headers: dict[str, str], payload: bytes) -> None:
    assert _botocore(encode(headers, payload)) == [(headers, payload)]


def test_a_known_message_has_the_documented_layout() -> None:
    message = encode({"a": "b"}, b"{}")
    # prelude: total 16 + headers (1 + 1 + 1 + 2 + 1 = 6) + payload 2 = 24; headers 6.
    assert message[:8] == bytes.fromhex("00000018 00000006")
    assert message[12:18] == b"\x01a\x07\x00\x01b"
    assert message[18:20] == b"{}"
    assert _botocore(message) == [({"a": "b"}, b"{}")]


@settings(max_examples=30)
@given(byte_cuts(max_offset=400))
def test_the_decoder_reads_messages_cut_anywhere(cuts: list[int]) -> None:
    messages = [(HEADERS, b'{"n": %d}' % n) for n in range(3)]
    data = b"".join(encode(h, p) for h, p in messages)
    decoder, read, start = Decoder(), [], 0
    for end in [*sorted(c for c in cuts if c < len(data)), len(data)]:
        read += decoder.feed(data[start:end])
        start = end
    assert read == messages == _botocore(data)


def test_a_corrupt_message_fails_its_checksum_in_both_decoders() -> None:
    message = bytearray(encode(HEADERS, b'{"text": "hi"}'))
    message[-6] ^= 0xFF  # a payload byte
    with pytest.raises(EventStreamError, match="failed its checksum"):
        Decoder().feed(bytes(message))
    with pytest.raises(ChecksumMismatch):
        _botocore(bytes(message))


def test_headers_of_other_types_are_skipped_as_botocore_reads_them() -> None:
    """Only string headers matter here; the others are stepped over by their sizes."""
    import struct
    from binascii import crc32

    raw = b"".join(
        [
            b"\x01t\x00",  # true
            b"\x01i\x04" + struct.pack("!i", -7),  # int32
            b"\x01b\x06\x00\x02\xff\x00",  # bytes
            b"\x01s\x07\x00\x02ok",  # string
            b"\x01u\x09" + bytes(16),  # uuid
        ]
    )
    prelude = struct.pack("!II", 16 + len(raw) + 2, len(raw))
    message = prelude + struct.pack("!I", crc32(prelude)) + raw + b"{}"
    message += struct.pack("!I", crc32(message))
    assert Decoder().feed(message) == [({"s": "ok"}, b"{}")]
    [(headers, payload)] = _botocore(message)
    assert (headers["s"], headers["i"], payload) == ("ok", -7, b"{}")
    bad = raw + b"\x01x\x0f"  # no such type
    prelude = struct.pack("!II", 16 + len(bad), len(bad))
    broken = prelude + struct.pack("!I", crc32(prelude)) + bad
    broken += struct.pack("!I", crc32(broken))
    with pytest.raises(EventStreamError, match="unknown event-stream header type 15"):
        Decoder().feed(broken)
