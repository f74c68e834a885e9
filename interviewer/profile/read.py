"""Reading a profile file: Markdown or plain text (UTF-8), or a PDF's text layer. Every problem is one line
naming the file, never a traceback: the file is the user's, and may be anything."""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from ..files import PROFILE_LIMIT, FileProblem, read_file, shown

# A PDF's text is larger than its file only when its streams are compressed; past this much text the rest is
# not a résumé, and stopping bounds the memory a crafted file can take.
TEXT_LIMIT = PROFILE_LIMIT
MAX_PAGES = 50
# Drawing instructions of all pages read, once decompressed: a text-heavy résumé page has ~20 KB of them. Past
# this the file is not a résumé, and pypdf's text extraction over it would take minutes (70 MB: 30 s a page).
CONTENT_LIMIT = 8 * 1024 * 1024

# pypdf reports recoverable damage through `logging`; with no handler configured, Python's last-resort
# handler would print those lines to stderr over the interview screen.
logging.getLogger("pypdf").addHandler(logging.NullHandler())
logging.getLogger("pypdf").propagate = False


class ProfileError(FileProblem):
    """One line naming the profile file and what is wrong with it; `code` as for every file problem."""


def read_profile(path: Path | str) -> str:
    """The text of a profile: a PDF's extracted text, otherwise the file as UTF-8 text."""
    path = Path(path)
    try:
        raw = read_file(path, PROFILE_LIMIT)
    except FileProblem as exc:
        raise ProfileError(str(exc), exc.code) from None
    if raw.lstrip()[:5] == b"%PDF-" or (path.suffix.lower() == ".pdf" and raw):
        text = _pdf_text(path, raw)
    else:
        text = _plain_text(path, raw)
    if not text.strip():
        raise ProfileError(f"{shown(path)}: has no text to read")
    return text


def _plain_text(path: Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileError(
            f"{shown(path)}: not UTF-8 text (byte {exc.start + 1}); give a Markdown, text or PDF file"
        ) from None
    # Valid UTF-8 can still be binary (NUL bytes); no résumé holds one.
    if "\x00" in text:
        raise ProfileError(f"{shown(path)}: binary data, not text; give a Markdown, text or PDF file")
    return text


def _pdf_text(path: Path, raw: bytes) -> str:
    # Imported here: most sessions have no PDF, and pypdf takes a noticeable time to import.
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    where = shown(path)
    pages: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(raw), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ProfileError(f"{where}: the PDF is encrypted with a password; save a copy without one")
            total = 0
            content = 0
            for page in reader.pages[:MAX_PAGES]:
                stream = page.get_contents()
                content += len(stream.get_data()) if stream is not None else 0
                if content > CONTENT_LIMIT:
                    raise ProfileError(f"{where}: the PDF holds too much for a résumé; export it as text")
                text = page.extract_text() or ""
                pages.append(text)
                total += len(text)
                if total > TEXT_LIMIT:
                    break
    except ProfileError:
        raise
    except (DependencyError, FileNotDecryptedError):
        raise ProfileError(f"{where}: the PDF is encrypted; save a copy without encryption") from None
    except RecursionError:
        raise ProfileError(f"{where}: not a readable PDF (nested too deeply)") from None
    except Exception as exc:  # a parser of untrusted bytes fails in many ways; each is the file's fault
        reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProfileError(f"{where}: not a readable PDF ({shown(reason[:120])})") from None
    text = "\n\n".join(pages)[:TEXT_LIMIT]
    if not text.strip():
        raise ProfileError(
            f"{where}: the PDF has no text layer (a scanned image?); export it as text or Markdown"
        )
    return text
