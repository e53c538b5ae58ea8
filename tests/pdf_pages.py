"""Print a report workbook the way the desk does (LibreOffice → PDF) and read back each page's text.

Used by the printed-page tests: "the 结清审批表 of a 60-period loan has 结清总额 and 经办/复核/审批 on
page 1", "every page of a long 还款明细 letter names the contract". The text of a page comes from
``pdftotext``
(poppler-utils) when it is installed, else from the small reader below, which knows just enough PDF for
the files LibreOffice writes: the page tree, Flate content streams, fonts with a ToUnicode map, and the
strings shown by Tj / TJ. Text is compared with the white space removed (a PDF places words, it does
not keep the spaces between them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    """The PDF LibreOffice prints of ``workbook`` (all sheets, each with its own page setup)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"  # a profile of its own: a desk's running LibreOffice is not disturbed
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(workbook)],
                   check=True, capture_output=True, timeout=240)
    pdf = out_dir / f"{workbook.stem}.pdf"
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {workbook}"
    return pdf


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, white space removed."""
    if shutil.which("pdftotext"):
        count = len(_Pdf(pdf.read_bytes()).pages())
        texts = []
        for page in range(1, count + 1):
            done = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                                  check=True, capture_output=True, timeout=60)
            texts.append(re.sub(r"\s+", "", done.stdout.decode("utf-8")))
        return texts
    return [re.sub(r"\s+", "", text) for text in _Pdf(pdf.read_bytes()).texts()]


# --------------------------------------------------------------------------- a reader for LibreOffice's PDFs

_OBJECT = re.compile(rb"(\d+)\s+0\s+obj\b")
_REF = re.compile(rb"(\d+)\s+0\s+R")


class _Pdf:
    def __init__(self, data: bytes):
        self.data = data
        self.objects: dict[int, tuple[bytes, bytes | None]] = {}
        for match in _OBJECT.finditer(data):
            start = match.end()
            end = data.find(b"endobj", start)
            stream_at = data.find(b"stream", start, end if end > 0 else None)
            if stream_at < 0:
                self.objects[int(match.group(1))] = (data[start:end], None)
                continue
            head = data[start:stream_at]
            body_start = stream_at + len(b"stream")
            body_start += 2 if data[body_start:body_start + 2] == b"\r\n" else 1
            length = self._length(head)
            body = data[body_start:body_start + length] if length is not None else \
                data[body_start:data.find(b"endstream", body_start)]
            self.objects[int(match.group(1))] = (head, body)

    def _length(self, head: bytes) -> int | None:
        found = re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", head)
        if not found:
            return None
        if found.group(2):  # an indirect length: the object holding the number
            match = re.search(rb"\b%d\s+0\s+obj\s*(\d+)\s*endobj" % int(found.group(1)), self.data)
            return int(match.group(1)) if match else None
        return int(found.group(1))

    def head(self, number: int) -> bytes:
        return self.objects[number][0]

    def stream(self, number: int) -> bytes:
        head, body = self.objects[number]
        body = body or b""
        return zlib.decompress(body) if b"/FlateDecode" in head else body

    def pages(self) -> list[int]:
        root = int(re.search(rb"/Pages\s+(\d+)\s+0\s+R", self.head(self._catalog())).group(1))
        return self._kids(root)

    def _catalog(self) -> int:
        return next(n for n, (head, _) in self.objects.items() if re.search(rb"/Type\s*/Catalog", head))

    def _kids(self, number: int) -> list[int]:
        head = self.head(number)
        if re.search(rb"/Type\s*/Page\b(?!s)", head):
            return [number]
        kids = re.search(rb"/Kids\s*\[(.*?)\]", head, re.S).group(1)
        return [page for ref in _REF.findall(kids) for page in self._kids(int(ref))]

    def _resolve_dict(self, head: bytes, key: bytes) -> bytes:
        """The dictionary under ``key`` in ``head``: inline, or the object it refers to."""
        ref = re.search(rb"/" + key + rb"\s+(\d+)\s+0\s+R", head)
        if ref:
            return self.head(int(ref.group(1)))
        inline = re.search(rb"/" + key + rb"\s*<<(.*?)>>", head, re.S)
        return inline.group(1) if inline else b""

    def _fonts(self, page: int) -> dict[bytes, tuple[int, dict[int, str]]]:
        resources = self._resolve_dict(self.head(page), b"Resources")
        fonts = self._resolve_dict(resources, b"Font")
        out = {}
        for name, ref in re.findall(rb"/([\w.+-]+)\s+(\d+)\s+0\s+R", fonts):
            font = self.head(int(ref))
            width = 2 if b"/Type0" in font else 1
            cmap = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", font)
            out[name] = (width, _cmap(self.stream(int(cmap.group(1)))) if cmap else {})
        return out

    def texts(self) -> list[str]:
        return [self._page_text(page) for page in self.pages()]

    def _page_text(self, page: int) -> str:
        head = self.head(page)
        contents = re.search(rb"/Contents\s*(\[.*?\]|\d+\s+0\s+R)", head, re.S).group(1)
        content = b"\n".join(self.stream(int(ref)) for ref in _REF.findall(contents))
        fonts = self._fonts(page)
        width, cmap = 1, {}
        parts: list[str] = []
        in_span = False  # inside a span whose ActualText stands for its glyphs (a glyph the font lacks)
        token = re.compile(rb"/Span\s*<<\s*/ActualText\s*<([0-9A-Fa-f]*)>\s*>>\s*BDC|\b(EMC)\b"
                           rb"|/([\w.+-]+)\s+[-\d.]+\s+Tf|<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\)])*)\)"
                           rb"|\b(ET|Td|TD|T\*)\b", re.S)
        for match in token.finditer(content):
            actual, end_span, font, hexa, literal, op = match.groups()
            if actual is not None:
                text = bytes.fromhex(actual.decode()).decode("utf-16-be", errors="replace")
                parts.append(text.lstrip("\ufeff"))
                in_span = True
            elif end_span is not None:
                in_span = False
            elif font is not None:
                width, cmap = fonts.get(font, (1, {}))
            elif in_span:
                continue
            elif hexa is not None:
                raw = bytes.fromhex(re.sub(rb"\s", b"", hexa).decode())
                parts.append(_decode(raw, width, cmap))
            elif literal is not None:
                parts.append(_decode(_unescape(literal), width, cmap))
            else:
                parts.append("\n")
        return "".join(parts)


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        c = literal[i]
        if c == 0x5C and i + 1 < len(literal):  # backslash
            nxt = literal[i + 1]
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out.append({ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _decode(raw: bytes, width: int, cmap: dict[int, str]) -> str:
    codes = [int.from_bytes(raw[i:i + width], "big") for i in range(0, len(raw) - width + 1, width)]
    return "".join(cmap.get(code, chr(code) if width == 1 and 32 <= code < 127 else "") for code in codes)


def _cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's code → text (bfchar and bfrange entries)."""
    def text(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="replace")

    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, value in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = text(value)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[.*?\]|<[0-9A-Fa-f]+>)",
                                          block, re.S):
            start, end = int(low, 16), int(high, 16)
            if rest.startswith(b"["):
                for offset, value in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", rest)):
                    out[start + offset] = text(value)
            else:
                first = int(rest.strip(b"<>"), 16)
                for offset in range(end - start + 1):
                    out[start + offset] = chr(first + offset)
    return out
