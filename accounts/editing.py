"""Forms that several people edit refuse a stale save (optimistic concurrency).

A row edited this way is an `Edited` model: a version, when and by whom it was last changed.
The form (`ConcurrentEdit`) carries a hidden `loaded` value rendered with it: the row's version
and a short digest of each field the form changes. On save, `claim()` re-reads the row under a
lock (`select_for_update`): if it is no longer what the person loaded, the save is refused with
a French message naming who changed it, when, and which fields; else the row is stamped with a
new version. A POST without `loaded` is refused too: nothing is saved unchecked.
"""

import hashlib

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class StaleEdit(ValidationError):
    """The row changed since the form was shown: nothing was saved."""


class Edited(models.Model):
    version = models.PositiveIntegerField("version", default=0, editable=False)
    updated_at = models.DateTimeField("modifié le", null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modifié par",
        related_name="+",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
    )

    class Meta:
        abstract = True

    def touch(self, *, by) -> list[str]:
        """A new version, stamped; the fields to add to `save(update_fields=...)`."""
        self.version += 1
        self.updated_at, self.updated_by = timezone.now(), by
        return ["version", "updated_at", "updated_by"]


def digest(value) -> str:
    return hashlib.blake2s(repr(value).encode(), digest_size=4).hexdigest()


def fingerprint(row: Edited, names: tuple[str, ...]) -> str:
    """ "<version>:<digest of each field>", what the form carries as `loaded`."""
    return f"{row.version}:" + ".".join(digest(getattr(row, name)) for name in names)


def changed_fields(row: Edited, names: tuple[str, ...], loaded: str) -> list[str]:
    digests = loaded.partition(":")[2].split(".")
    if len(digests) != len(names):
        return list(names)
    return [n for n, d in zip(names, digests, strict=True) if digest(getattr(row, n)) != d]


def stale_message(row: Edited, changed: list[str]) -> str:
    editor = row.updated_by  # None once that account is deleted
    who = (editor.get_full_name() or editor.email) if editor else "Quelqu’un"
    when = f" à {timezone.localtime(row.updated_at):%H:%M}" if row.updated_at else ""
    labels = [str(row._meta.get_field(name).verbose_name) for name in changed]
    fields = f" (champs : {', '.join(labels)})" if labels else ""
    return (
        f"{who} a modifié cet élément{when} pendant que vous l’éditiez{fields}. Vos changements "
        "n’ont pas été enregistrés : rechargez la page pour partir de sa version."
    )


MISSING = (
    "Ce formulaire ne dit pas quelle version il modifie : vos changements n’ont pas été "
    "enregistrés. Rechargez la page."
)
DELETED = (
    "Cet élément a été supprimé pendant que vous l’éditiez : vos changements n’ont pas été "
    "enregistrés."
)


class ConcurrentEdit:
    """A form mixin for a row several people edit: `edited` (a ModelForm's instance by default)
    and `edited_fields` (the model's fields this form changes: its Meta.fields by default). The
    view calls `claim(by=...)` inside the transaction that saves, and shows `StaleEdit`'s
    message with the form as typed (409)."""

    edited_fields: tuple[str, ...] = ()

    def __init__(self, *args, edited: Edited | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.edited = edited if edited is not None else self.instance
        if not self.edited_fields:
            self.edited_fields = tuple(self._meta.fields)
        self.fields["loaded"] = forms.CharField(required=False, widget=forms.HiddenInput)
        if self.edited.pk:
            self.fields["loaded"].initial = fingerprint(self.edited, self.edited_fields)

    def claim(self, *, by) -> None:
        """Lock the row; refuse (StaleEdit) unless it is still the one loaded; stamp it."""
        if self.edited.pk is None:
            return  # a new row: nobody else edits it yet
        model = type(self.edited)
        current = model.objects.select_for_update().filter(pk=self.edited.pk).first()
        if current is None:
            raise StaleEdit(DELETED)
        loaded = self.cleaned_data.get("loaded") or ""
        if not loaded:
            raise StaleEdit(MISSING)
        if loaded != fingerprint(current, self.edited_fields):
            changed = changed_fields(current, self.edited_fields, loaded)
            raise StaleEdit(stale_message(current, changed))
        stamps = current.touch(by=by)
        model.objects.filter(pk=current.pk).update(**{f: getattr(current, f) for f in stamps})
        for name in stamps:
            setattr(self.edited, name, getattr(current, name))
