import unicodedata

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


def normalize_email(address: str) -> str:
    """The one way an address is written, for storage, sign-in and the rate limits: NFKC (the
    long s "ſ" and full-width letters become plain ones) then casefold ("ß" becomes "ss")."""
    return unicodedata.normalize("NFKC", address.strip()).casefold()


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        return normalize_email(email or "")

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L’adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email=normalize_email(email))


class User(AbstractUser):
    """A person who signs in with an e-mail address (password, magic link or, later, ProConnect).

    What a person may do comes from their memberships (startups app): staff of an incubator,
    representative of a sponsoring organisation, member of a startup's team; and superuser.
    """

    username = None
    email = models.EmailField("adresse électronique", unique=True)
    erased_at = models.DateTimeField("données personnelles effacées le", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def __str__(self):
        if self.erased_at:
            return "Compte supprimé"
        return self.get_full_name() or self.email
