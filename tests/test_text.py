import unicodedata

import pytest

from annotator.corpus.text import decode, normalise
from annotator.errors import UserError


def test_bom_crlf_and_nfc():
    raw = "\ufeffPe\u0301kin\r\nligne deux\rtrois".encode()
    assert decode(raw, "f.txt") == "Pékin\nligne deux\ntrois"
    assert unicodedata.is_normalized("NFC", decode(raw, "f.txt"))


def test_nbsp_quotes_and_spaces_are_kept():
    text = '«\u00a0Vostok\u00a0»  l’objectif  \t "x"'
    assert normalise(text) == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"caf\xc3\xa9 \xff ok", "f.txt: invalid UTF-8 at byte 6"),
        (b"abc\x00def", "f.txt: binary file (NUL byte at byte 3), not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n", "f.txt: binary file"),
        (b"", "f.txt: empty file"),
        (b" \n\n\t", "f.txt: empty file"),
        ("\ufeffbonjour".encode("utf-16-le").join([b"\xff\xfe", b""]), "f.txt: UTF-16 text"),
    ],
)
def test_bad_bytes_name_the_file(data, message):
    with pytest.raises(UserError) as err:
        decode(data, "f.txt")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
