"""Bytes to text: byte-order mark, then the charset an HTML page or XML declaration states, then UTF-8,
then charset-normalizer's best guess. Korean pages labelled EUC-KR are decoded as CP949, its superset,
because such pages routinely use CP949's extra syllables."""
from __future__ import annotations

import codecs
import re
from typing import Optional

from ..errors import InputError

BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels whose real-world meaning is a superset encoding (as browsers treat them, WHATWG Encoding).
SUPERSETS = {"euc_kr": "cp949", "ks_c_5601-1987": "cp949", "ksc5601": "cp949", "windows-949": "cp949",
             "x-windows-949": "cp949", "latin_1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
             "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "big5": "big5hkscs"}
MAGIC = {b"%PDF": "a PDF file", b"\x89PNG": "a PNG image", b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image",
         b"PK\x03\x04": "a ZIP archive (or an Office document)", b"\x1f\x8b": "gzip-compressed data",
         b"\x7fELF": "an executable", b"SQLite format 3": "a SQLite database"}
DECLARED = (re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I),
            re.compile(rb"<\?xml[^>]{0,100}?encoding\s*=\s*[\"']([\w.:-]+)", re.I))
CONTROL = set(range(0, 9)) | set(range(14, 27)) | set(range(28, 32))


def _codec(label: str) -> Optional[str]:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        name = SUPERSETS.get(label.strip().lower())
        return name
    return SUPERSETS.get(name, name)


def declared(data: bytes) -> Optional[str]:
    """The codec named by a meta charset or XML declaration in the first 4 KB, if any."""
    head = data[:4096]
    for pattern in DECLARED:
        match = pattern.search(head)
        if match:
            return _codec(match.group(1).decode("ascii", "ignore"))
    return None


def _binary(data: bytes) -> Optional[str]:
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head or sum(b in CONTROL for b in head) > 0.05 * len(head):
        return "binary data"
    return None


def decode(data: bytes, source: str) -> str:
    """Text of `data`; raises InputError naming `source` for empty, binary or undecodable input."""
    if not data or not data.strip():
        raise InputError("input is empty", fix="give a file with article text or HTML", source=source)
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _strict(data, codec, source)
    what = _binary(data)
    if what:
        fix = "decompress it first" if "gzip" in what else "give the article as text, HTML or JSON Lines"
        raise InputError(f"input is {what}, not article text", fix=fix, source=source)
    for codec in (declared(data), "utf-8"):
        if codec:
            try:
                return data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
    return _guess(data, source)


def _strict(data: bytes, codec: str, source: str) -> str:
    try:
        return data.decode(codec).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"bytes do not decode as {codec} although they start with its byte-order mark ({exc.reason})",
                         fix="re-save the file in UTF-8", source=source) from exc


def _guess(data: bytes, source: str) -> str:
    from charset_normalizer import from_bytes  # imported here: only needed for unlabelled non-UTF-8 input

    best = from_bytes(data).best()
    if best is None:
        raise InputError("cannot tell the text encoding of the input", fix="re-save the file in UTF-8", source=source)
    codec = SUPERSETS.get(best.encoding, best.encoding)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return str(best)
