"""Line classification and cross-document line statistics."""

from __future__ import annotations

from corpus.boilerplate import BatchStats, boilerplate_reason, is_tail_marker


def test_furniture_copyright_and_contact_lines() -> None:
    assert boilerplate_reason("Skip to content") == "furniture"
    assert boilerplate_reason("Copyright Exampleton Media Group. All Rights Reserved.") == "copyright"
    assert boilerplate_reason("Tel : +82-2-555-0100") == "contact"
    assert boilerplate_reason("The river rose two metres overnight, the harbour master said.") is None


def test_tail_markers_are_whole_headings() -> None:
    assert is_tail_marker("MOST POPULAR")
    assert is_tail_marker("Related Articles")
    assert is_tail_marker("109 Comments | Grow a Garden")
    assert not is_tail_marker("Read more: Exampleton bakery wins regional prize")


def test_batch_stats_count_documents_not_repeats() -> None:
    docs = ["Home\nA story\n", "Home\nAnother\n", "Home\nThird\n", "Home\nThird\n"]
    stats = BatchStats.learn(docs)
    assert stats.documents == 3  # the identical fourth dump counts once
    assert stats.df("home") == 3
    assert stats.is_template("Home")
    assert not stats.is_template("A story")


def test_counted_comments_heading_and_leaked_template_comments() -> None:
    long_heading = "59 Comments on “The Comfort Watches, Day Eighteen: A Film Everybody Argues About”"
    assert len(long_heading) > 80 and is_tail_marker(long_heading)
    assert is_tail_marker("You may like to read:")
    assert not is_tail_marker("Comments on the proposal were due by Friday, the council said in a notice.")
    assert boilerplate_reason("END .comment-author .vcard") == "markup"
    assert boilerplate_reason(".post-navigation") is not None
    assert boilerplate_reason(".NET is a framework") is None
    assert boilerplate_reason('wp:spacer {"height":"15px"}') == "markup"
    assert boilerplate_reason("wp: the new release notes") is None


def test_shopping_buttons_are_furniture_but_prices_in_a_sentence_are_not() -> None:
    for button in [
        "$75 at Amazon",
        "$90 $85 (6% off) at Walmart",
        "View Deal",
        "Check Amazon Price",
        "Buy Now",
    ]:
        assert boilerplate_reason(button) == "furniture", button
    assert boilerplate_reason("At $75 at Amazon, the kettle is the cheapest we tested.") is None


def test_captions_end_with_a_picture_credit_and_wire_sign_offs_do_not() -> None:
    assert (
        boilerplate_reason("Guests pick their pastries from the cabinets. | Photo by Lisa Jennings")
        == "caption"
    )
    assert (
        boilerplate_reason("Fitness fans are over feeling burnt out.PixelVista / Getty Images") == "caption"
    )
    assert boilerplate_reason("The mayor at the opening (AP Photo/Jane Doe)") == "caption"
    assert boilerplate_reason("The talks will resume next week, the ministry said. (Yonhap)") is None
    assert boilerplate_reason("The photo by Annie Leibovitz became the cover of the magazine.") is None
