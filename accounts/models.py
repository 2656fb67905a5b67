import unicodedata

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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


class OutboxMessage(models.Model):
    """A job for the workers (an e-mail to send), written in the same transaction as the change
    that asks for it and relayed to the broker once that commits (`accounts.outbox`): a change
    that commits never loses its job, even while the broker is away."""

    task = models.CharField("tâche", max_length=200)
    kwargs = models.JSONField("paramètres", default=dict)
    # What the job is about ("session:12"), so a page can say that its e-mails are waiting.
    about = models.CharField("objet", max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    relayed_at = models.DateTimeField("transmis le", null=True, blank=True)
    relays = models.PositiveSmallIntegerField("transmissions", default=0)
    done_at = models.DateTimeField("fait le", null=True, blank=True)
    error = models.TextField("dernière erreur", blank=True)

    class Meta:
        verbose_name = "message en attente"
        verbose_name_plural = "messages en attente"
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(done_at=None), name="outbox_pending"
            )
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"


class Invitation(models.Model):
    """One invitation e-mail: who was asked to join which place ("l’équipe d’Aides Jeunes"), by
    whom and when. The membership it offers is made with it; the invitation is pending until
    the person first signs in (`user.last_login`)."""

    user = models.ForeignKey(User, related_name="invitations", on_delete=models.CASCADE)
    invited_by = models.ForeignKey(
        User, related_name="+", null=True, blank=True, on_delete=models.SET_NULL
    )
    place = models.CharField("lieu", max_length=300)
    sent_at = models.DateTimeField("envoyée le", default=timezone.now)

    class Meta:
        verbose_name = "invitation"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["user", "place", "sent_at"], name="invitation_last_sent")]

    def __str__(self):
        return f"{self.user} → {self.place}"
