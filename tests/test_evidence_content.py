"""What an uploaded file is: names made safe, types sniffed from content, and the refusals
(executables, HTML with scripts, names that lie, zip bombs, oversized bodies) — the inspector on
its own, before any request."""

from __future__ import annotations

import io

import pytest

from registry.core.exceptions import PayloadTooLargeError
from registry.evidence.content import (
    HEAD_BYTES,
    ContentRefused,
    Inspector,
    clean_file_name,
    inspect_stream,
    sniff,
)
from tests.evidence_support import CLEAN_HTML, PDF, PNG, office, zip_bomb

MB = 1024 * 1024


def inspect(name: str, data: bytes, *, chunk: int = 1000, max_bytes=10 * MB, unzipped=100 * MB):
    chunks = (data[i : i + chunk] for i in range(0, len(data), chunk))
    return inspect_stream(
        name, chunks, max_bytes=max_bytes, max_unzipped_bytes=unzipped, file=io.BytesIO(data)
    )


def refusal(name: str, data: bytes, **kwargs) -> str:
    with pytest.raises(ContentRefused) as caught:
        inspect(name, data, **kwargs)
    [error] = caught.value.error_dict["file"]
    return error.code


# --- Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\x.pdf", "x.pdf"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("..", "file"),
        ("", "file"),
        (".hidden.pdf", "hidden.pdf"),
        ("evil\u202efdp.exe", "evilfdp.exe"),  # right-to-left override: reads "evilexe.pdf"
        ("report\u200b.pdf", "report.pdf"),  # zero-width space
        ("report\uff0epdf", "report.pdf"),  # fullwidth full stop folds to a dot
        ("re\x00port\n.pdf", "report.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  lots   of   space  .pdf  ", "lots of space .pdf"),
    ],
)
def test_file_names_are_cleaned(raw, clean):
    assert clean_file_name(raw) == clean


def test_a_long_name_keeps_its_extension():
    name = clean_file_name("x" * 500 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")


def test_a_disguised_program_is_caught_by_its_real_extension():
    # What a reader sees as "evilexe.pdf" ends in .exe once the override is gone.
    assert refusal(clean_file_name("evil\u202efdp.exe"), b"MZ\x90\x00") == "executable"


# --- Accepted types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        (
            "card.docx",
            office("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "metrics.xlsx",
            office("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "deck.pptx",
            office("pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("slices.csv", b"slice,auc\nall,0.91\n", "text/csv"),
        ("notes.txt", "Résumé — naïve\n".encode(), "text/plain"),
        ("README.md", b"# Model\n", "text/markdown"),
        ("metrics.json", b'  {"auc": 0.91}', "application/json"),
        ("notebook.html", CLEAN_HTML, "text/html"),
        ("chart.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 50, "image/gif"),
        ("pic.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 50, "image/webp"),
    ],
)
def test_accepted_types_are_sniffed_and_hashed(name, data, content_type):
    import hashlib

    result = inspect(name, data)
    assert result.file_type.content_type == content_type
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_the_digest_does_not_depend_on_how_the_body_was_cut():
    data = PDF * 100
    assert inspect("a.pdf", data, chunk=1).sha256 == inspect("a.pdf", data, chunk=65536).sha256


# --- Refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", PNG),  # an image named as a PDF
        ("report.pdf", b"just some text"),
        ("report.docx", PDF),
        ("report.docx", office("xlsx")),  # a spreadsheet named as a Word document
        ("data.csv", CLEAN_HTML),  # HTML named as CSV: a browser would render it
        ("notes.txt", b"<html><script>alert(1)</script></html>"),
        ("chart.png", b"<svg onload=alert(1)>"),
        ("metrics.json", b"not json at all"),
        ("notes.txt", b"text" + b"\x00" * 10),  # binary data behind a text name
        ("notes.txt", b"a" * (HEAD_BYTES * 3) + b"\x00"),  # binary after the head
        ("report.docx", b"PK\x03\x04 this is not really an archive"),
    ],
)
def test_content_that_does_not_match_its_name_is_refused(name, data):
    assert refusal(name, data) == "type_mismatch"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.exe", PDF),  # a program's name, whatever the content
        ("run.sh", b"echo hi"),
        ("macro.docm", office("docx")),
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100),  # a Windows program named .pdf
        ("report.pdf", b"\x7fELF\x02\x01" + b"\x00" * 100),
        ("notes.txt", b"#!/bin/sh\nrm -rf /\n"),
        ("report.docx", office("docx", extra={"word/vbaProject.bin": b"macros"})),
    ],
)
def test_executables_are_refused(name, data):
    assert refusal(name, data) == "executable"


@pytest.mark.parametrize(
    "html",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b"<html><body><SCRIPT SRC=//x.test/a.js></SCRIPT></body></html>",
        b"<html><body><img src=x onerror=alert(1)></body></html>",
        b"<html><body><a href=' JaVaScRiPt:alert(1)'>x</a></body></html>",
        b"<html><body><a href='java\tscript:alert(1)'>x</a></body></html>",
        b"<html><body><iframe srcdoc='<p>x</p>'></iframe></body></html>",
        b"<html><body><svg><script>alert(1)</script></svg></body></html>",
        b"<html><body><object data=x.swf></object></body></html>",
        b"<html><body><form action='javascript:alert(1)'></form></body></html>",
        b"<!DOCTYPE html><html><body>" + b"<p>safe</p>" * 5000 + b"<script>x()</script>",
    ],
)
def test_html_with_scripts_is_refused(html):
    assert refusal("notebook.html", html) == "html_script"


def test_html_the_checker_cannot_get_through_is_refused():
    html = b"<html><body><!-- " + b"x" * (2 * MB)
    assert refusal("page.html", html) == "html_unchecked"


def test_an_office_file_that_would_expand_absurdly_is_refused():
    assert refusal("card.docx", zip_bomb()) == "zip_bomb"


def test_an_office_file_declaring_more_than_the_limit_is_refused():
    # Incompressible enough to pass the ratio check, but more than the configured total.
    import os

    data = office("docx", extra={"word/media/photo.bin": os.urandom(3 * MB)})
    assert inspect("card.docx", data, unzipped=4 * MB).size == len(data)
    assert refusal("card.docx", data, unzipped=2 * MB) == "zip_bomb"


def test_unknown_and_missing_extensions_are_refused():
    assert refusal("model.pkl", b"data") == "unsupported_type"
    assert refusal("README", b"data") == "unsupported_type"


def test_an_empty_file_is_refused():
    assert refusal("empty.pdf", b"") == "empty"


def test_a_body_over_the_limit_is_refused_as_soon_as_it_passes_it():
    inspector = Inspector("big.pdf", max_bytes=10_000, max_unzipped_bytes=MB)
    inspector.feed(PDF[:5000].ljust(5000, b" "))
    inspector.feed(b" " * 5000)
    with pytest.raises(PayloadTooLargeError):
        inspector.feed(b" ")


def test_sniffing_names_families():
    assert sniff(b"%PDF-1.4") == "pdf"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE HTML>") == "html"
    assert sniff(b"  <p>hello") == "html"
    assert sniff(b"<?xml version='1.0'?><svg/>") == "html"
    assert sniff(b"[1, 2]") == "json"
    assert sniff(b"a,b\n1,2") == "text"
    assert sniff(b"\x00\x01") == "unknown"
