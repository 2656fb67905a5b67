"""Tables that fit: the preparation item page, the session page, the startup page and the
portfolio, on a desktop and on a phone, are axe-core clean (a scrollable table is a focusable,
labelled region) and never make the page scroll sideways."""

import pytest
from django.urls import reverse

from tests.browser.test_prepare import people  # noqa: F401 (the fixture)

SIZES = {"desktop": (1280, 800), "phone": (375, 800)}


def pages(people):  # noqa: F811
    session, review = people["session"], people["review"]
    return {
        "preparation": reverse("committees:review-prepare", args=[session.pk, review.pk]),
        "session": reverse("committees:session", args=[session.pk]),
        "startup": reverse("startups:detail", args=[review.startup.slug]),
        "portfolio": reverse("startups:portfolio"),
    }


@pytest.mark.parametrize("size", SIZES)
def test_tables_fit(page, log_in, screenshot, assert_accessible, people, size):  # noqa: F811
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    log_in(people["sponsor"])
    for name, url in pages(people).items():
        page.goto(url)
        screenshot(f"tables-fit-{name}-{size}")
        assert_accessible()
        wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert wide, f"{name} scrolls sideways at {width} px"
        if name == "portfolio":
            # The key columns stay in view on a phone: the startup and its next committee.
            box = page.get_by_role("columnheader", name="Prochain comité").bounding_box()
            assert box and box["x"] + box["width"] <= width
