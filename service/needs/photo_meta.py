"""Photo metadata out before a photo is kept: a phone's photo carries where it was taken
(EXIF GPS), when, and with what — at a resident's door, that is their home. The photos
of an order are read by every role, so what the image does not show is dropped.

The image itself is copied byte for byte; only the metadata parts go:

* **JPEG**: the APP1 (EXIF, XMP), APP13 (IPTC) and COM segments before the image data;
* **PNG**: the ``eXIf``, ``tEXt``, ``zTXt``, ``iTXt`` and ``tIME`` chunks;
* **WebP**: the ``EXIF`` and ``XMP `` chunks (and their flags in ``VP8X``).

A file whose structure cannot be followed is refused (:class:`BadImageError`), never kept
half-read. No image library is needed: these are the containers' own framings.

>>> jpeg = b"\\xff\\xd8" + b"\\xff\\xe1\\x00\\x08Exif\\x00\\x00" + b"\\xff\\xda\\x00\\x02IMAGE\\xff\\xd9"
>>> strip_metadata(jpeg, "jpg")
b'\\xff\\xd8\\xff\\xda\\x00\\x02IMAGE\\xff\\xd9'
"""

from __future__ import annotations

import struct

__all__ = ["BadImageError", "strip_metadata"]

#: JPEG markers of metadata segments: APP1 (EXIF / XMP), APP13 (IPTC), COM
_JPEG_DROP = frozenset({0xE1, 0xED, 0xFE})
#: JPEG markers without a length: TEM, RST0–7 (SOI/EOI are handled apart)
_JPEG_BARE = frozenset({0x01, *range(0xD0, 0xD8)})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROP = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})
_WEBP_DROP = frozenset({b"EXIF", b"XMP "})
#: the VP8X flags of the chunks dropped: EXIF (bit 3) and XMP (bit 2)
_VP8X_META_FLAGS = 0x08 | 0x04


class BadImageError(ValueError):
    """The file's structure does not hold together (truncated, or not what it says)."""


def strip_metadata(data: bytes, kind: str) -> bytes:
    """``data`` (of ``kind`` jpg, png or webp) without its metadata parts."""
    strip = {"jpg": _jpeg, "png": _png, "webp": _webp}[kind]
    try:
        return strip(data)
    except (IndexError, struct.error):
        raise BadImageError("truncated") from None


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise BadImageError("no SOI")
    out = bytearray(b"\xff\xd8")
    i = 2
    while True:
        if data[i] != 0xFF:
            raise BadImageError(f"no marker at {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:  # EOI before any image data
            out += data[i : i + 2]
            return bytes(out)
        if marker in _JPEG_BARE:
            out += data[i : i + 2]
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2 or i + 2 + length > len(data):
            raise BadImageError(f"bad segment length at {i}")
        if marker == 0xDA:  # start of scan: the image data follows, kept as it is
            out += data[i:]
            return bytes(out)
        if marker not in _JPEG_DROP:
            out += data[i : i + 2 + length]
        i += 2 + length


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise BadImageError("no PNG signature")
    out = bytearray(_PNG_SIGNATURE)
    i = len(_PNG_SIGNATURE)
    while i < len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if len(kind) != 4 or end > len(data):
            raise BadImageError(f"bad chunk at {i}")
        if kind not in _PNG_DROP:
            out += data[i:end]
        i = end
        if kind == b"IEND":
            return bytes(out)
    raise BadImageError("no IEND")


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise BadImageError("no RIFF WEBP header")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + riff_size)
    chunks = bytearray()
    i = 12
    while i + 8 <= end:
        fourcc = data[i : i + 4]
        (size,) = struct.unpack("<I", data[i + 4 : i + 8])
        stop = i + 8 + size + (size & 1)  # chunks are padded to an even size
        if i + 8 + size > end:
            raise BadImageError(f"bad chunk at {i}")
        chunk = bytearray(data[i : min(stop, end)])
        if fourcc == b"VP8X" and size >= 1:
            chunk[8] &= ~_VP8X_META_FLAGS & 0xFF
        if fourcc not in _WEBP_DROP:
            chunks += chunk
        i = stop
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + bytes(chunks)
