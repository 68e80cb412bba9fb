"""Find the TrueType font the PDF reports are set in: DejaVu Sans, regular and bold.

The PDF core fonts know Latin-1 only, so Sámi letters (š, ŋ, đ, ž, č, ŧ) and `€` need a font file.
DejaVu Sans comes with Debian's `fonts-dejavu-core` (installed in the image and in CI) and with most
other systems; the usual font folders are searched, or only the folder SETTLEMENT_PDF_FONT_DIR
names. Without it the reports fall back to the core font with a logged warning: a missing font
never stops a posting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"

# Where systems keep fonts, most likely first (Debian/Ubuntu, Fedora, Arch, macOS, a user's own).
FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/opt/homebrew/share/fonts"),
    Path("/Library/Fonts"),
    Path("~/.local/share/fonts"),
    Path("~/.fonts"),
    Path("~/Library/Fonts"),
)


@dataclass(frozen=True, slots=True)
class PdfFont:
    """The font files a report is set in (a Unicode TrueType family, regular and bold)."""

    regular: Path
    bold: Path
    family: str = "DejaVuSans"


def _in_folder(folder: Path) -> PdfFont | None:
    """The pair in a folder or up to two levels below it (fonts/truetype/dejavu), first by name."""
    for depth in ("", "*/", "*/*/"):
        try:
            for regular in sorted(folder.glob(depth + REGULAR)):
                bold = regular.with_name(BOLD)
                if regular.is_file() and bold.is_file():
                    return PdfFont(regular, bold)
        except OSError:  # an unreadable folder is one without the font
            continue
    return None


def find_font(folder: Path | None = None) -> PdfFont | None:
    """DejaVu Sans in `folder` (SETTLEMENT_PDF_FONT_DIR) when given, else in the usual font folders;
    None, with a warning, when it is not there (the report then uses the Latin-1 core font)."""
    folders = (folder,) if folder is not None else FONT_FOLDERS
    for candidate in folders:
        found = _in_folder(candidate.expanduser())
        if found is not None:
            return found
    where = str(folder) if folder is not None else "the usual font folders"
    log.warning(
        "no %s and %s in %s: the PDF reports use the core font Helvetica, which prints letters "
        "outside Latin-1 (such as Sámi š and ŋ) as '?' and € as EUR; install fonts-dejavu-core "
        "or set SETTLEMENT_PDF_FONT_DIR to a folder holding them",
        REGULAR, BOLD, where,
    )
    return None
