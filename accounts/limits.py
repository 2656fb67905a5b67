"""How long a text people type may be: the limits, in one place, the validator that refuses a
longer text with a French message, and the form mixin that shows each limit (the browser's
`maxlength` and a hint "2 000 caractères au plus"). Every app uses them: they live in the
lowest one."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible

SHORT = 300  # one line: a place, a market size, a metric's name in the API
COMMENT = 2_000  # a comment, a reason, a metric's definition
SECTION = 5_000  # one answer of a semester report
LONG = 10_000  # a recommendation, private notes, a decision's conditions


def characters(count: int) -> str:
    """10000 → "10 000" (a no-break space, as French writes thousands)."""
    return f"{count:,}".replace(",", "\xa0")


def hint(limit: int) -> str:
    return f"{characters(limit)} caractères au plus."


def length(text: str) -> int:
    """A text's length as the browser counts it for `maxlength`: a line break is one character,
    though a form posts it as two (CR LF)."""
    return len(text.replace("\r\n", "\n"))


def too_long(limit: int, count: int) -> str:
    return f"Ce texte est trop long : {characters(limit)} caractères au plus (il en compte {characters(count)})."


@deconstructible
class TextLimit(MaxLengthValidator):
    """Refuse a text longer than `limit_value`, saying by how much, in French."""

    def __call__(self, value):
        count = length(value)
        if count > self.limit_value:
            raise ValidationError(too_long(self.limit_value, count), code="max_length")


def is_free_text(field: forms.Field) -> bool:
    """A text typed freely: not an e-mail address, a link, a hidden or a password field."""
    return (
        type(field) is forms.CharField
        and not field.widget.is_hidden
        and not isinstance(field.widget, forms.PasswordInput)
    )


class TextLimits:
    """A form mixin (before DsfrBaseForm): each free text with a `max_length` shows its limit
    (`maxlength`, which Django's CharField renders, and the hint in its help text) and refuses a
    longer text with `TextLimit`'s message. A free text without a `max_length` is an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_texts()

    def limit_texts(self) -> None:
        """Apply the limits; a form that adds fields after __init__ calls it again."""
        for name, field in self.fields.items():
            if not is_free_text(field) or any(isinstance(v, TextLimit) for v in field.validators):
                continue
            if field.max_length is None:
                raise TypeError(f"{type(self).__name__}.{name}: a free text needs a max_length.")
            field.validators = [
                v for v in field.validators if not isinstance(v, MaxLengthValidator)
            ] + [TextLimit(field.max_length)]
            help_text = str(field.help_text or "")
            field.help_text = f"{help_text} {hint(field.max_length)}".strip()
            if name in self._bound_fields_cache:  # made already, with the help text before
                self._bound_fields_cache[name].help_text = field.help_text
