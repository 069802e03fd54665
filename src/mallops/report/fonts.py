"""The HTML report carries its own font: a subset of a CJK font with exactly the
characters of the page, so it reads the same on a machine without Chinese fonts (a
server, a phone's WeChat browser, a fresh Linux desktop).

Needs the optional ``fonts`` extra (fontTools) and a CJK font on the machine that makes
the report: ``MALLOPS_REPORT_FONT`` (a font file, ``path#index`` for a collection), else
fontconfig's match for Noto Sans CJK SC (Debian: ``fonts-noto-cjk``).  Without either,
the page falls back to the reader's fonts (:func:`font_face` returns ``""``).
"""

from __future__ import annotations

import base64
import functools
import io
import os
import shutil
import subprocess

__all__ = ["EMBEDDED_FAMILY", "find_cjk_font", "font_face"]

EMBEDDED_FAMILY = "mallopsfont"
"""The CSS family name of the embedded subset (first in the page's font stack)."""


@functools.cache
def find_cjk_font() -> tuple[str, int] | None:
    """``(path, index in the collection)`` of a CJK font, or ``None``."""
    configured = os.environ.get("MALLOPS_REPORT_FONT", "")
    if configured:
        path, _, index = configured.partition("#")
        return (path, int(index or 0)) if os.path.isfile(path) else None
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        out = subprocess.run(
            [fc_match, "-f", "%{file}|%{index}|%{lang}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, rest = out.partition("|")
    index, _, langs = rest.partition("|")
    if not os.path.isfile(path) or "zh-cn" not in langs.split("|"):
        return None  # fontconfig fell back to a font without Chinese
    return path, int(index or 0)


def font_face(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the glyphs of ``text`` (WOFF, base64), or
    ``""`` when fontTools or a CJK font is not available."""
    found = find_cjk_font()
    if found is None:
        return ""
    try:
        from fontTools import subset  # type: ignore[import-untyped]
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    except ImportError:
        return ""
    path, index = found
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    buf = io.BytesIO()
    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=sorted({ord(c) for c in text if c.isprintable()}))
            subsetter.subset(font)
            font.flavor = "woff"
            font.save(buf)
    except Exception:  # a damaged or unusual font file: the page keeps the reader's fonts
        return ""
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f"@font-face{{font-family:{EMBEDDED_FAMILY};"
        f"src:url(data:font/woff;base64,{data}) format('woff');font-display:block}}"
    )
