"""Test overrides: strict templates, fast hashing, plain static files, e-mails kept in memory."""

from .settings import *  # noqa: F403
from .settings import TEMPLATES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The server's clock is frozen on the tests' day (tests/utils.py), the browser's is not: a
# session cookie without an expiry date stays valid whatever the distance between the two.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


class InvalidTemplateVariable(str):
    """Fail a test when a template uses a variable that does not exist."""

    def __mod__(self, name):
        raise NameError(f"Variable de gabarit inconnue : {name}")

    def __contains__(self, item):
        return item == "%s"


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")
# Static files from the apps' folders, no collectstatic (as with DEBUG).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Jobs run in the test's process; the tests of the job path start a real worker (`celery_worker`).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
