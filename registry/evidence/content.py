"""What an uploaded file really is.

Its name made safe to show; its type sniffed from its content (magic bytes, not the name); and the
refusals: executables, HTML with scripts, a name that says something other than the content, an
Office file whose archive would expand absurdly (a zip bomb), a body over the size limit.

An :class:`Inspector` is fed the body chunk by chunk, as the upload handler receives it or as a
service reads a file it was handed, and keeps only a small head of it: the SHA-256, the size and
the checks are computed on the way, in memory that does not grow with the file. ``finish`` then
looks inside an Office file's archive through its central directory (declared sizes only; nothing
is decompressed).

The accepted types are a short list on purpose (what evidence is: PDF, Office documents, CSV and
plain text, JSON, images, HTML exports such as notebooks): a library that names every type under
the sun would still need this list, the Office check and the script check on top.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import IO

from django.core.exceptions import ValidationError

from registry.core.exceptions import PayloadTooLargeError


@dataclass(frozen=True)
class FileType:
    """An accepted type: what it is called, and the content type it is served with."""

    key: str
    content_type: str
    label: str


_TYPES = (
    FileType("pdf", "application/pdf", "PDF"),
    FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
    ),
    FileType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel sheet"
    ),
    FileType(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint presentation",
    ),
    FileType("csv", "text/csv", "CSV"),
    FileType("text", "text/plain", "plain text"),
    FileType("markdown", "text/markdown", "Markdown"),
    FileType("json", "application/json", "JSON"),
    FileType("html", "text/html", "HTML"),
    FileType("png", "image/png", "PNG image"),
    FileType("jpeg", "image/jpeg", "JPEG image"),
    FileType("gif", "image/gif", "GIF image"),
    FileType("webp", "image/webp", "WebP image"),
)
TYPES = {t.key: t for t in _TYPES}

# A file's name must say what its content is: extension → the accepted type.
EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "csv": "csv",
    "txt": "text",
    "md": "markdown",
    "json": "json",
    "html": "html",
    "htm": "html",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "gif": "gif",
    "webp": "webp",
}
# What the content may sniff as, for each accepted type. Plain text, CSV and Markdown cannot be
# told apart by content; a JSON document is text too.
_COMPATIBLE = {
    "pdf": {"pdf"},
    "docx": {"zip"},
    "xlsx": {"zip"},
    "pptx": {"zip"},
    "csv": {"text", "json"},
    "text": {"text", "json"},
    "markdown": {"text", "json"},
    "json": {"json"},
    "html": {"html"},
    "png": {"png"},
    "jpeg": {"jpeg"},
    "gif": {"gif"},
    "webp": {"webp"},
}
# Names that say "program", refused before a byte is read, whatever the content turns out to be.
_EXECUTABLE = """
exe dll com scr msi msp cpl sys drv bat cmd ps1 psm1 vbs vbe js jse mjs wsf wsh hta lnk jar class
apk app dmg pkg deb rpm sh bash zsh csh ksh run bin elf so dylib py pyc pl rb php jsp asp aspx cgi
wasm docm xlsm pptm dotm xltm potm ppsm xlam ppam
"""
EXECUTABLE_EXTENSIONS = frozenset(_EXECUTABLE.split())
_DESCRIBED = {
    "zip": "a ZIP archive",
    "text": "plain text",
    "json": "JSON",
    "html": "HTML",
    "unknown": "of a type Steward does not accept",
}


def accepted_extensions() -> str:
    return ", ".join(f".{ext}" for ext in EXTENSIONS)


class ContentRefused(ValidationError):
    """The file is not acceptable evidence (HTTP 400, naming the ``file`` field)."""

    def __init__(self, message: str, code: str):
        super().__init__({"file": ValidationError(message, code=code)})


# --- Names ------------------------------------------------------------------------------------

# Characters that hide or reorder what a name shows: controls, bidirectional overrides and
# isolates (which make "evil\u202efdp.exe" read as "evilexe.pdf"), zero-width characters, BOMs.
_INVISIBLE = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]"
)
_RESERVED = re.compile(r'[<>:"|?*]')
MAX_NAME = 200


def clean_file_name(name: str) -> str:
    """A name safe to show and to send back in ``Content-Disposition``: no directories (either
    slash), no invisible or reordering characters, compatibility forms folded (a fullwidth
    full stop is a dot), no leading dots, at most ``MAX_NAME`` characters with the extension kept.
    It is only ever a display name: files are stored under a generated key."""
    name = unicodedata.normalize("NFKC", name or "")
    name = _INVISIBLE.sub("", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = f"{stem[: MAX_NAME - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            name = name[:MAX_NAME]
    return name or "file"


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def expected_type(name: str) -> FileType:
    """The accepted type a (clean) file name announces; refuses programs and unknown types
    before any content is read."""
    ext = extension_of(name)
    if ext in EXECUTABLE_EXTENSIONS:
        raise ContentRefused(
            f"'{name}' is a program or a document with macros; evidence cannot be executable.",
            code="executable",
        )
    if ext not in EXTENSIONS:
        what = f"Files of type .{ext}" if ext else "Files without an extension"
        raise ContentRefused(
            f"{what} are not accepted as evidence. Accepted: {accepted_extensions()}.",
            code="unsupported_type",
        )
    return TYPES[EXTENSIONS[ext]]


# --- Sniffing ---------------------------------------------------------------------------------

HEAD_BYTES = 8192
_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",  # Mach-O, both word sizes and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary, Java class
    b"#!",  # a script with an interpreter line
    b"\x00asm",  # WebAssembly
)
# Bytes that never occur in text (tab, newlines, form feed and escape do).
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
# How browsers recognise HTML (WHATWG MIME sniffing): one of these tags after leading whitespace,
# followed by a space or ">".
_HTML_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<svg",
    b"<?xml",
)


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b" \t\n\r\x0c").lower()
    for tag in _HTML_TAGS:
        if start.startswith(tag):
            rest = start[len(tag) : len(tag) + 1]
            if tag in (b"<!--", b"<?xml") or rest in (b" ", b">", b"\t", b"\n", b"\r", b"/", b""):
                return True
    return False


def sniff(head: bytes) -> str:
    """The family a body's first bytes say it is: ``pdf``, ``zip``, ``png``, ``jpeg``, ``gif``,
    ``webp``, ``executable``, ``html``, ``json``, ``text`` or ``unknown``."""
    if head.startswith(_EXECUTABLE_MAGIC):
        return "executable"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    text = head.removeprefix(codecs.BOM_UTF8)
    if _BINARY.search(text):
        return "unknown"
    if _looks_like_html(text):
        return "html"
    if text.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "text"


class _ScriptFinder(HTMLParser):
    """Finds what would run in a browser: script and other active elements, event-handler
    attributes, ``javascript:`` URLs. Fed incrementally; keeps only what it has not parsed."""

    ACTIVE_TAGS = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "applet"})
    URL_ATTRIBUTES = frozenset(
        {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found:
            return
        if tag in self.ACTIVE_TAGS:
            self.found = f"a <{tag}> element"
            return
        for name, value in attrs:
            if name.startswith("on"):
                self.found = f"an event handler ({name}) on <{tag}>"
                return
            if name in self.URL_ATTRIBUTES and value:
                url = re.sub(r"[\x00-\x20]", "", value).lower()
                if url.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.found = f"a script URL in <{tag} {name}>"
                    return


# HTML the parser cannot get through (an unclosed comment of megabytes) is refused rather than
# buffered: the check must not cost memory that grows with the file.
_MAX_UNPARSED = 1024 * 1024

# Archive limits for Office files: what the central directory declares.
MAX_ARCHIVE_ENTRIES = 10_000
MAX_COMPRESSION_RATIO = 100
_RATIO_CHECKED_ABOVE = 1024 * 1024  # small parts compress well and harm nobody
_OFFICE_MARKERS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


@dataclass(frozen=True)
class Inspection:
    """What a complete body turned out to be."""

    size: int
    sha256: str
    file_type: FileType


class Inspector:
    """Inspects one body as it streams past: ``feed`` each chunk, then ``finish``.

    ``name`` is the cleaned display name (its extension announces the type, checked at once);
    ``max_bytes`` the size limit, refused with 413 as soon as the body passes it."""

    def __init__(self, name: str, *, max_bytes: int, max_unzipped_bytes: int) -> None:
        self.name = name
        self.expected = expected_type(name)
        self.max_bytes = max_bytes
        self.max_unzipped_bytes = max_unzipped_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._pending = b""
        self.family: str | None = None
        self._binary = False
        self._scripts: _ScriptFinder | None = None
        self._decoder = None

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise PayloadTooLargeError(
                f"The file is over the limit of {self.max_bytes} bytes.", field="file"
            )
        self._hash.update(chunk)
        if self.family is None:
            # Until the head is in, chunks wait (less than HEAD_BYTES of them) to be scanned.
            self._pending += chunk
            if len(self._pending) < HEAD_BYTES:
                return
            chunk, self._pending = self._pending, b""
            self._decide(chunk[:HEAD_BYTES])
        self._scan(chunk)

    def _decide(self, head: bytes) -> None:
        self.family = sniff(head)
        if self.family == "executable":
            raise ContentRefused(
                f"'{self.name}' is a program; evidence cannot be executable.", code="executable"
            )
        if self.family not in _COMPATIBLE[self.expected.key]:
            described = _DESCRIBED.get(self.family, f"a {self.family.upper()} file")
            raise ContentRefused(
                f"'{self.name}' is named as {self.expected.label} but its content is "
                f"{described}. Name the file for what it is.",
                code="type_mismatch",
            )
        if self.family == "html":
            self._scripts = _ScriptFinder()
            self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def _scan(self, chunk: bytes) -> None:
        if self.family in ("text", "json", "html") and not self._binary:
            self._binary = _BINARY.search(chunk) is not None
        if self._scripts is not None:
            self._scripts.feed(self._decoder.decode(chunk))
            self._check_scripts()

    def _check_scripts(self) -> None:
        if self._scripts.found:
            raise ContentRefused(
                f"'{self.name}' is HTML with scripts ({self._scripts.found}). Export it without "
                "JavaScript, or as PDF.",
                code="html_script",
            )
        if len(self._scripts.rawdata) > _MAX_UNPARSED:
            raise ContentRefused(
                f"'{self.name}' could not be checked for scripts (malformed HTML).",
                code="html_unchecked",
            )

    def finish(self, file: IO[bytes] | None = None) -> Inspection:
        """The verdict once the whole body was fed. ``file`` is the body itself, seekable, for
        the archive check of Office files."""
        if self.size == 0:
            raise ContentRefused("The file is empty.", code="empty")
        if self.family is None:
            pending, self._pending = self._pending, b""
            self._decide(pending)
            self._scan(pending)
        if self._scripts is not None:
            self._scripts.feed(self._decoder.decode(b"", final=True))
            self._scripts.close()
            self._check_scripts()
        if self._binary:
            raise ContentRefused(
                f"'{self.name}' is named as {self.expected.label} but holds binary data.",
                code="type_mismatch",
            )
        if self.family == "zip":
            self._check_office(file)
        return Inspection(self.size, self._hash.hexdigest(), self.expected)

    def _check_office(self, file: IO[bytes] | None) -> None:
        if file is None:
            raise ValueError("An Office file is checked from the body itself: pass file=.")
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise ContentRefused(
                f"'{self.name}' is not a readable {self.expected.label}.", code="type_mismatch"
            ) from exc
        finally:
            file.seek(0)
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise ContentRefused(
                f"'{self.name}' holds {len(entries)} parts; an Office file of more than "
                f"{MAX_ARCHIVE_ENTRIES} is refused as a likely zip bomb.",
                code="zip_bomb",
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio_unknown = entry.compress_size == 0 and entry.file_size > 0
            if entry.file_size > _RATIO_CHECKED_ABOVE and (
                ratio_unknown or entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise ContentRefused(
                    f"'{self.name}' has a part ({entry.filename}) that would expand more than "
                    f"{MAX_COMPRESSION_RATIO} times; refused as a likely zip bomb.",
                    code="zip_bomb",
                )
        if total > self.max_unzipped_bytes:
            raise ContentRefused(
                f"'{self.name}' would expand to {total} bytes, over the limit of "
                f"{self.max_unzipped_bytes}; refused as a likely zip bomb.",
                code="zip_bomb",
            )
        names = {entry.filename for entry in entries}
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise ContentRefused(
                f"'{self.name}' contains macros; evidence cannot be executable.", code="executable"
            )
        marker = _OFFICE_MARKERS[self.expected.key]
        if "[Content_Types].xml" not in names or marker not in names:
            found = next(
                (TYPES[key].label for key, part in _OFFICE_MARKERS.items() if part in names),
                "an archive that is not an Office document",
            )
            raise ContentRefused(
                f"'{self.name}' is named as {self.expected.label} but its content is {found}.",
                code="type_mismatch",
            )


def inspect_stream(name: str, chunks, *, max_bytes: int, max_unzipped_bytes: int, file=None):
    """Inspect a whole body given as chunks (``file`` is the same body, for Office files)."""
    inspector = Inspector(name, max_bytes=max_bytes, max_unzipped_bytes=max_unzipped_bytes)
    for chunk in chunks:
        inspector.feed(chunk)
    return inspector.finish(file)
