"""Schemathesis hooks for TallSchool's API: the two bodies that are not JSON.

- Sync rounds are MessagePack (maps with field names, byte strings as `bin`): generated values
  are packed, answers unpacked so that they are checked against the documented schema.
- Upload chunks are raw bytes.
"""

import uuid

import msgpack
import schemathesis
from hypothesis import strategies as st

SYNC = "application/vnd.tallschool.sync+msgpack"


def _packable(value):
    """Generated (often deliberately wrong) values MessagePack can carry: integers beyond its
    64 bits go as text; the server must refuse them either way."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return str(value)
    if isinstance(value, dict):
        return {_packable(key): _packable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_packable(item) for item in value]
    return value


@schemathesis.serializer(SYNC)
def pack_sync(ctx, value):
    return msgpack.packb(_packable(value), use_bin_type=True)


def _as_json(value):
    """The MessagePack answer in the shape the schema describes: ids travel as 16-byte `bin`
    (UUIDs), other byte strings (changes, hash prefixes) as lists of byte values."""
    if isinstance(value, bytes):
        return str(uuid.UUID(bytes=value)) if len(value) == 16 else list(value)
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value


@schemathesis.deserializer(SYNC)
def unpack_sync(ctx, response):
    return _as_json(msgpack.unpackb(response.content, raw=False))


schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=2048))
