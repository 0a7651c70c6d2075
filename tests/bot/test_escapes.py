"""Terminal escape sequences in a question are removed whole, not just their ESC character."""

from __future__ import annotations

import pytest

from bot.answering.retrieve import clean_question
from bot.errors import EmptyQuestion
from bot.escapes import strip_escape_sequences


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("\x1b[2J who won?", "who won?"),  # clear screen (CSI)
        ("\x1b[1;31mwho\x1b[0m won?", "who won?"),  # colours
        ("\x1b[38;2;255;0;0mwho won?", "who won?"),  # 24-bit colour
        ("who\x1b[?25l won?", "who won?"),  # private mode: hide the cursor
        ("\x9b2Jwho won?", "who won?"),  # 8-bit CSI
        ("\x1b]0;a window title\x07who won?", "who won?"),  # OSC ended by BEL
        ("\x1b]8;;https://example.org\x1b\\who\x1b]8;;\x1b\\ won?", "who won?"),  # OSC 8 link, ended by ST
        ("\x1bP1$r0m\x1b\\who won?", "who won?"),  # DCS
        ("\x1b_private\x9cwho won?", "who won?"),  # APC ended by an 8-bit ST
        ("\x1b7who won?\x1b8", "who won?"),  # save and restore the cursor
        ("\x1b(Bwho won?", "who won?"),  # character set
        ("\x1bcwho won?", "who won?"),  # reset
        ("who won? \x1b[", "who won?"),  # cut short at the end
        ("Wer hat gewonnen? 누가 이겼나요? 🏆", "Wer hat gewonnen? 누가 이겼나요? 🏆"),  # nothing to remove
        ("[2J is a label, not an escape", "[2J is a label, not an escape"),  # no ESC, nothing removed
    ],
)
def test_escape_sequences_are_removed_whole(typed: str, meant: str) -> None:
    assert clean_question(typed) == meant


def test_an_unended_string_sequence_runs_to_the_end() -> None:
    assert strip_escape_sequences("who won?\x1b]0;never ended") == "who won?"
    with pytest.raises(EmptyQuestion):
        clean_question("\x1b[2J\x1b]0;title\x07")
