"""Word files made for the tests: zip bombs and broken XML, built as streams."""

import io
import struct
import zipfile

import docx


def zip_bomb(size, declared=None, body=None):
    """A .docx whose document part unzips to `size` bytes of empty paragraphs (or holds `body`),
    written as a stream so the test never holds it; `declared` is the size its headers claim."""
    out = io.BytesIO()
    docx.Document().save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info))
                continue
            head, tail = source.read(info).split(b"<w:body>")
            with archive.open("word/document.xml", "w", force_zip64=False) as part:
                part.write(head + b"<w:body>")
                part.write(body or b"")
                chunk = b"<w:p/>" * 100_000
                for _ in range(size // len(chunk)):
                    part.write(chunk)
                part.write(tail)
    data = bytearray(bomb.getvalue())
    if declared is not None:
        info = zipfile.ZipFile(bomb).getinfo("word/document.xml")
        struct.pack_into("<I", data, info.header_offset + 22, declared)  # the local header
        central = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
        while data[central + 46:central + 46 + 17] != b"word/document.xml":
            central = data.rfind(b"PK\x01\x02", 0, central)
        struct.pack_into("<I", data, central + 24, declared)  # the central directory
        assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").file_size == declared
    return bytes(data)
