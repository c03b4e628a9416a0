"""PDF checks: whole files only, no encryption, no active content — names matched as PDF names, streams skipped."""

from __future__ import annotations

import io
import os
import zlib

import pytest
from PIL import Image

from tests.files.conftest import object_stream, pdf, picture
from tongban.core.errors import ValidationFailed
from tongban.files.pdf import pdf_check


def _code(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as refused:
        pdf_check(data)
    assert refused.value.issues[0].field == "file" and refused.value.issues[0].code == refused.value.code
    return refused.value.code


def test_ordinary_pdfs_pass() -> None:
    pdf_check(pdf())
    pdf_check(pdf(catalog=b"/OpenAction [3 0 R /Fit]"))  # open at page 1: what office suites write
    pdf_check(pdf(catalog=b"/OpenAction\n[3 0 R /XYZ null null 0]"))
    buffer = io.BytesIO()
    Image.open(io.BytesIO(picture("JPEG"))).save(buffer, format="PDF")
    pdf_check(buffer.getvalue())  # Pillow's PDF (an image stream)


def test_binary_stream_data_is_not_read_as_names() -> None:
    noise = os.urandom(2000) + b" /JS /JavaScript /Launch /Encrypt " + os.urandom(2000)
    image = b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % len(noise) + noise + b"\nendstream"
    pdf_check(pdf(objects=[image]))


@pytest.mark.parametrize("catalog", [
    b"/Names << /JavaScript 5 0 R >>",
    b"/Names << /Java#53cript 5 0 R >>",  # #53 is "S": the same name, escaped
    b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
    b"/OpenAction 5 0 R",  # a reference to an object that is not there
    b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 6 0 R >>",  # a harmless action chained to another one
    b"/OpenAction << /S /Named /N /Print >>",
    b"/OpenAction << /S /Launch /F (cmd.exe) >>",
    b"/AA << /O << /S /URI /URI (http://example.invalid) >> >>",
    b"/Names << /EmbeddedFiles 6 0 R >>",
])
def test_active_content_is_refused(catalog: bytes) -> None:
    assert _code(pdf(catalog=catalog)) == "file_pdf_active_content"


@pytest.mark.parametrize("target", [b"[3 0 R /Fit]", b"<< /S /GoTo /D [3 0 R /XYZ null null 0] >>"])
def test_an_open_action_that_only_shows_a_page_passes(target: bytes) -> None:
    pdf_check(pdf(catalog=b"/OpenAction " + target))
    pdf_check(pdf(catalog=b"/OpenAction 5 0 R", objects=[target]))  # what LaTeX (hyperref) writes
    pdf_check(pdf(catalog=b"/OpenAction 100 0 R", objects=[object_stream([target])]))


@pytest.mark.parametrize("objects", [
    [b"<< /S /URI /URI (http://example.invalid/track) >>"],
    [b"<< /S /SubmitForm /F (http://example.invalid) >>"],
    [object_stream([b"<< /S /Named /N /Print >>"])],
])
def test_an_open_action_pointing_at_another_action_is_refused(objects: list[bytes]) -> None:
    number = b"100" if objects[-1].startswith(b"<< /Type /ObjStm") else b"5"
    assert _code(pdf(catalog=b"/OpenAction " + number + b" 0 R", objects=objects)) == "file_pdf_active_content"


def test_every_definition_of_the_open_action_target_must_be_harmless() -> None:
    harmless_then_not = pdf(catalog=b"/OpenAction 5 0 R", objects=[b"[3 0 R /Fit]"])
    update = b"5 0 obj\n<< /S /URI /URI (http://example.invalid) >>\nendobj\n%%EOF\n"  # an incremental update
    assert _code(harmless_then_not + update) == "file_pdf_active_content"


def test_names_that_only_start_like_active_ones_pass() -> None:
    pdf_check(pdf(catalog=b"/JSON 1 /Launcher 2 /AAB 3 /Metadata 4"))


def test_an_action_hidden_in_a_compressed_object_stream_is_found() -> None:
    hidden = object_stream([b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"])
    assert _code(pdf(objects=[hidden])) == "file_pdf_active_content"
    harmless = object_stream([b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])
    pdf_check(pdf(objects=[harmless]))


def test_an_object_stream_that_cannot_be_decoded_is_refused() -> None:
    lzw = object_stream([b"<< /Type /Font >>"], filter=b"/LZWDecode")
    assert _code(pdf(objects=[lzw])) == "file_pdf_active_content"
    broken = (b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 9 >>\nstream\nnot zlib!\nendstream")
    assert _code(pdf(objects=[broken])) == "file_pdf_active_content"


def test_an_object_stream_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tongban.files.pdf.MAX_INFLATED_BYTES", 10_000)
    bomb = zlib.compress(b" " * 20_000)
    stream = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb)
    assert _code(pdf(objects=[stream + bomb + b"\nendstream"])) == "file_pdf_active_content"


def test_encrypted_pdfs_are_refused() -> None:
    assert _code(pdf(trailer=b"/Encrypt 9 0 R /ID [<01><01>]")) == "file_pdf_encrypted"


@pytest.mark.parametrize("data", [
    pdf()[:-200],  # cut off: no %%EOF at the end
    pdf() + b"\0" * 2000,  # %%EOF not near the end
    b"\xef\xbb\xbf" + pdf(),  # a BOM before the header
    b"%PDF-",
])
def test_incomplete_pdfs_are_refused(data: bytes) -> None:
    assert _code(data) == "file_pdf_invalid"
