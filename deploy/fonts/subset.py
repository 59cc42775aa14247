"""Make the embedded CJK fonts of the documents (shared/pdf/fonts/), once, by hand.

Source: Noto Sans SC 400 Regular and 700 Bold (SIL Open Font License 1.1), as packed
by ``npm pack @expo-google-fonts/noto-sans-sc@0.4.3`` (static TrueType instances of the
Google Fonts release). Each is cut down with fontTools' subsetter to what zh-CN office
documents print: ASCII, every GB2312 character (its 6,763 hanzi and its punctuation,
symbols and full-width forms), the CJK symbols and punctuation block, the full-width
forms block and general punctuation. Characters outside the set print as the font's
empty box; the PDF still renders.

    cd /tmp && npm pack @expo-google-fonts/noto-sans-sc@0.4.3
    mkdir -p noto && tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz -C noto
    python deploy/fonts/subset.py /tmp/noto/package

Needs ``fonttools`` (a dev dependency). Hinting is dropped (the PDF and the charts
rasterise at print resolution); the glyph names too, so the files stay small.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[2] / "shared" / "pdf" / "fonts"
SOURCES = {
    "NotoSansSC-Regular.ttf": "400Regular/NotoSansSC_400Regular.ttf",
    "NotoSansSC-Bold.ttf": "700Bold/NotoSansSC_700Bold.ttf",
}
BLOCKS = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 (·, ×, ÷, °)
    (0x2000, 0x206F),  # general punctuation (— … ‘ ’ “ ”)
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。《》「」【】〔〕)
    (0xFF00, 0xFFEF),  # full-width forms (，：；（）！？)
)


def gb2312() -> set[int]:
    """Every character GB2312 encodes (rows 1–9 symbols, 16–87 hanzi)."""
    found: set[int] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((row, cell)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def codepoints() -> list[int]:
    chosen = gb2312()
    for first, last in BLOCKS:
        chosen.update(range(first, last + 1))
    return sorted(chosen)


def main(package: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    unicodes = ",".join(f"U+{cp:04X}" for cp in codepoints())
    for name, source in SOURCES.items():
        subset.main(
            [
                str(package / source),
                f"--unicodes={unicodes}",
                f"--output-file={OUT / name}",
                "--layout-features=*",
                "--no-hinting",
                "--desubroutinize",
                "--name-IDs=*",
                "--notdef-outline",
            ]
        )
        print(name, (OUT / name).stat().st_size, "bytes")
    (OUT / "OFL.txt").write_bytes((package / "LICENSE_FONT").read_bytes())


if __name__ == "__main__":
    main(Path(sys.argv[1]))
