"""A zip written as it is sent: each entry goes out as its bytes are produced, so memory stays
flat whatever the pack holds.

The standard library's ``zipfile`` writes to a stream it cannot seek when it cannot ask where it
is: each entry's sizes and CRC then follow its data (a data descriptor), and every entry is
ZIP64 (its size is not known before it is written, and may pass 4 GiB)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator

# Bytes gathered before they are handed to the response.
FLUSH_BYTES = 256 * 1024


class _Sink(io.RawIOBase):
    """Where ``zipfile`` writes: a buffer drained by the generator. Not seekable, and
    ``tell()`` fails, so ``zipfile`` writes data descriptors."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


class ZipStream:
    """``entry()`` yields the bytes of one entry as its content comes; ``finish()`` the central
    directory. Every entry gets the same time (the pack's generation time)."""

    def __init__(self, when: dt.datetime) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", allowZip64=True)
        self._when = when.timetuple()[:6]

    def entry(self, name: str, chunks: Iterable[bytes], *, compress: bool) -> Iterator[bytes]:
        info = zipfile.ZipInfo(name, date_time=self._when)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        with self._zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                out.write(chunk)
                if self._sink.size >= FLUSH_BYTES:
                    yield self._sink.drain()
        yield self._sink.drain()

    def finish(self) -> bytes:
        self._zip.close()
        return self._sink.drain()
