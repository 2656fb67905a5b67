"""Every page each demo person reaches, in the real browser, on the real demo: axe-core finds no
violation, and nothing sticks out sideways, on a desktop (1280 px) and on a phone (375 px).

The pages are those the dead-links crawl finds (one per URL name, two clicks from the home page).
The home, portfolio, startup and session pages are saved as screenshots for people to look at.
"""

from django.test import Client

from accounts.models import User
from tests.browser.test_accessibility import VIEWPORTS
from tests.crawl import DEMO_PEOPLE, crawl, demo_build

SHOWN = {"home", "startups:portfolio", "startups:detail", "committees:session"}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def test_every_page_of_every_demo_person_is_accessible_and_fits(
    page, log_in, screenshot, axe, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    demo_build()
    problems = []
    for email in DEMO_PEOPLE:
        person = User.objects.get(email=email)
        client = Client()
        client.force_login(person)
        visited, _ = crawl(client, depth=2, per_url_name=1)
        page.context.clear_cookies()
        log_in(person)
        for name, (path, *_) in visited.items():
            for viewport, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                page.goto(path)
                where = f"{email} {viewport} {path}"
                if (overflow := page.evaluate(OVERFLOW)) > 0:
                    problems.append(f"{where}: la page déborde de {overflow} px")
                if violations := axe.run(page).response["violations"]:
                    problems.append(f"{where}: {sorted(v['id'] for v in violations)}")
                if name in SHOWN:
                    screenshot(f"every-{email.split('@')[0]}-{name.split(':')[-1]}-{viewport}")
    assert not problems, "\n".join(problems)
