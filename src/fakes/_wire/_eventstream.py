"""The AWS event-stream framing (`application/vnd.amazon.eventstream`) that Bedrock's
`ConverseStream` answers in: binary messages of string headers and a JSON payload.

botocore only decodes it (`botocore.eventstream`), and the maintained encoders need a
newer Python than this package supports, so the encoder is here; the tests check it
against botocore's decoder. Each message:

    total length (uint32) | headers length (uint32) | CRC32 of those 8 bytes
    headers: name length (uint8) | name | type 7 (string) | value length (uint16) | value
    payload | CRC32 of everything before
"""

from __future__ import annotations

import struct
from binascii import crc32

_PRELUDE = struct.Struct("!II")
_STRING = 7


class EventStreamError(ValueError):
    """Bytes that are not a well-formed event-stream message."""


def encode(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message with string headers."""
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    prelude = _PRELUDE.pack(16 + len(encoded) + len(payload), len(encoded))
    message = prelude + struct.pack("!I", crc32(prelude)) + encoded + payload
    return message + struct.pack("!I", crc32(message))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack("!B", len(raw_name))
        + raw_name
        + struct.pack("!BH", _STRING, len(raw_value))
        + raw_value
    )


class Decoder:
    """Messages from bytes cut anywhere: (headers, payload) once each is whole."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[tuple[dict[str, str], bytes]]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= 12:
            total, headers_length = _PRELUDE.unpack_from(self._buffer)
            if total < 16 + headers_length:
                raise EventStreamError(f"a message of {total} bytes cannot hold its headers")
            if len(self._buffer) < total:
                break
            message, self._buffer = self._buffer[:total], self._buffer[total:]
            if struct.unpack("!I", message[-4:])[0] != crc32(message[:-4]):
                raise EventStreamError("an event-stream message failed its checksum")
            headers = _headers(message[12 : 12 + headers_length])
            messages.append((headers, message[12 + headers_length : -4]))
        return messages


def _headers(data: bytes) -> dict[str, str]:
    """String headers (other types are skipped by their known sizes where possible)."""
    headers, at = {}, 0
    while at < len(data):
        size = data[at]
        name = data[at + 1 : at + 1 + size].decode("utf-8", "replace")
        kind = data[at + 1 + size]
        at += 2 + size
        if kind in (6, 7):  # byte array, string
            (length,) = struct.unpack_from("!H", data, at)
            value = data[at + 2 : at + 2 + length]
            if kind == _STRING:
                headers[name] = value.decode("utf-8", "replace")
            at += 2 + length
        else:
            sizes = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
            if kind not in sizes:
                raise EventStreamError(f"unknown event-stream header type {kind}")
            at += sizes[kind]
    return headers
