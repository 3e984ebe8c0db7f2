"""Compression of the cache's blobs: zstandard level 1, with one compressor and decompressor per thread.

Invariant: unsqueeze(squeeze(b)) == b. A context is reused per thread (zstd contexts are not thread-safe; making
one per call costs more than compressing a 1 kB blob). zstd level 1 is ~3x faster than zlib level 1 both ways
for a slightly smaller result (0.28 vs 0.30 of a packed brief's marshal bytes).
"""

from __future__ import annotations

import threading

import zstandard

LEVEL = 1
_local = threading.local()


def squeeze(data: bytes) -> bytes:
    """Return data compressed (a zstd frame that records its content size)."""
    try:
        compressor: zstandard.ZstdCompressor = _local.compressor
    except AttributeError:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return compressor.compress(data)


def unsqueeze(blob: bytes) -> bytes:
    """Return the bytes that squeeze() compressed into blob."""
    try:
        decompressor: zstandard.ZstdDecompressor = _local.decompressor
    except AttributeError:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(blob)
