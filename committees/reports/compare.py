"""Two versions of a report side by side: the fields that changed, section by section, with a
word-level diff. Every piece of the team's text is escaped before it is wrapped in <del>/<ins>."""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .sections import SECTIONS

# Words and the whitespace between them, kept so that the text reads as it was typed.
TOKENS = re.compile(r"\s+|[^\s]+")
MERGED_WORDS = 2


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: SafeString  # the older text, what went away in <del>
    new: SafeString  # the newer text, what came in <ins>


@dataclass
class SectionComparison:
    key: str
    title: str
    changes: list[FieldChange] = field(default_factory=list)
    comments: list = field(default_factory=list)  # the reviewer's, on the older version


def tokens(text: str) -> list[str]:
    return TOKENS.findall(text)


def render(parts: list[str]) -> str:
    """Escaped text, line breaks kept."""
    return escape("".join(parts)).replace("\n", "<br>")


def marked(tag: str, parts: list[str], label: str) -> str:
    if not "".join(parts).strip():
        return render(parts)
    return f'<{tag}><span class="fr-sr-only">{label} : </span>{render(parts)}</{tag}>'


def words(parts: list[str]) -> int:
    return sum(1 for part in parts if not part.isspace())


def chunks(a: list[str], b: list[str]) -> list[tuple[bool, int, int, int, int]]:
    """(unchanged?, a[i1:i2], b[j1:j2]) runs. A run of one or two unchanged words between two
    changes joins them, so that a rewritten sentence reads as one change, not as word salad
    around the "de" and "le" it kept."""
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    runs = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between = 0 < index < len(opcodes) - 1
        same = op == "equal" and not (between and words(a[i1:i2]) <= MERGED_WORDS)
        if runs and not same and not runs[-1][0]:
            runs[-1] = (False, runs[-1][1], i2, runs[-1][3], j2)
        else:
            runs.append((same, i1, i2, j1, j2))
    return runs


def word_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """The older text with its removed words in <del>, the newer with its added words in <ins>."""
    a, b = tokens(old), tokens(new)
    before, after = [], []
    for same, i1, i2, j1, j2 in chunks(a, b):
        if same:
            before.append(render(a[i1:i2]))
            after.append(render(b[j1:j2]))
            continue
        if i2 > i1:
            before.append(marked("del", a[i1:i2], "supprimé"))
        if j2 > j1:
            after.append(marked("ins", b[j1:j2], "ajouté"))
    return mark_safe("".join(before)), mark_safe("".join(after))  # each part escaped above


def compare_versions(
    old: dict[str, dict], new: dict[str, dict], comments: dict[str, list]
) -> list[SectionComparison]:
    """Section by section, the fields whose value differs between two versions' contents
    (choices by their label, labels from the section's form), and the comments made on the
    older one."""
    result = []
    for key, form in SECTIONS.items():
        section = SectionComparison(key=key, title=form.title, comments=comments.get(key, []))
        before, after = old.get(key, {}), new.get(key, {})
        # Bound to both, so that the fields made from the content (one per objective) count.
        for name, form_field in form(data={**before, **after}).fields.items():
            was, now = shown(form_field, before.get(name)), shown(form_field, after.get(name))
            if was.strip() != now.strip():
                section.changes.append(FieldChange(form_field.label, *word_diff(was, now)))
        result.append(section)
    return result


def shown(form_field, value) -> str:
    """A stored value as the reader sees it: a choice by its label."""
    if value and isinstance(form_field, forms.ChoiceField):
        return str(dict(form_field.choices).get(value, value))
    return str(value or "")
