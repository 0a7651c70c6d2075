"""Terminal escape sequences (ECMA-48 / VT) removed whole from text a person typed or pasted.

A question may carry what a terminal would have acted on: `\\x1b[2J` (clear the screen), a colour, an
OSC title or hyperlink. Dropping only the ESC would leave `[2J` in the question; this removes the whole
sequence, in its 7-bit (ESC-introduced) and 8-bit (C1) forms:

- CSI: ESC [ or 0x9b, parameter bytes 0x30–0x3f, intermediate bytes 0x20–0x2f, one final byte 0x40–0x7e;
- OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ (or 0x9d 0x90 0x98 0x9e 0x9f), then a string ended by BEL (OSC)
  or ST (ESC \\ or 0x9c); an unended string runs to the end of the text, as a terminal would read it;
- the other escapes: ESC, intermediate bytes 0x21–0x2f, one final byte 0x30–0x7e (ESC 7, ESC c, ESC ( B).

Not handled: telling a terminal's own reply (a cursor report) from typed text; every sequence goes.
"""

from __future__ import annotations

import re

_CSI = r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
# Not a space as an intermediate byte: a stray ESC before a space must not take the next word's letter.
_OTHER = r"\x1b[\x21-\x2f]*[\x30-\x7e]"
ESCAPE_SEQUENCE = re.compile(f"{_STRING}|{_CSI}|{_OTHER}")


def strip_escape_sequences(text: str) -> str:
    """`text` without terminal escape sequences: each removed whole, not just its ESC."""
    return ESCAPE_SEQUENCE.sub("", text)
