"""Property-based fuzzing of the query string: NUL bytes, lone surrogates, impossible dates, huge
numbers and very long strings sent into every query parameter of every GET URL of the
permission table never make a server error.

A URL's parameters are the keys its view reads from `request.GET` (recorded while the page is
served) and the fields of the GET forms on the page, so a new filter is fuzzed without changing
this test. Each URL is opened as the first persona the table lets in.
"""

import contextlib
from urllib.parse import quote

import pytest
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from tests.test_permissions import TABLE, client_for, codes, url_of

# What the attacks used, and more of the same kind.
HOSTILE = [
    "\x00",
    "a\x00b",
    "\ud800",
    "2026-02-30",
    "2026-13",
    "0000-00-00",
    "1e999999999",
    "-1e999999999",
    "9" * 400,
    "NaN",
    "x" * 20_000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=5000),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(lambda day: day.isoformat()),
)
# Read by every view through its form or its pagination, and always worth a try.
ALWAYS = {"page"}


@contextlib.contextmanager
def keys_read():
    """The keys that views look up in a `request.GET` while the block runs."""
    read: set[str] = set()
    originals = {name: getattr(MultiValueDict, name) for name in ("get", "getlist", "__getitem__")}

    def recording(original):
        def method(self, key, *args, **kwargs):
            if isinstance(self, QueryDict):
                read.add(key)
            return original(self, key, *args, **kwargs)

        return method

    contains = dict.__contains__

    def recording_contains(self, key):
        read.add(key)
        return contains(self, key)

    with pytest.MonkeyPatch.context() as patch:
        for name, original in originals.items():
            patch.setattr(MultiValueDict, name, recording(original))
        patch.setattr(QueryDict, "__contains__", recording_contains, raising=False)
        yield read


def get_form_fields(page: bytes) -> set[str]:
    if not page.strip():
        return set()
    tree = html.fromstring(page)
    forms = tree.xpath("//form[not(@method) or translate(@method, 'GET', 'get')='get']")
    return {name for form in forms for name in form.xpath(".//*[@name]/@name")}


def query_string(data: dict[str, str]) -> str:
    # `surrogatepass`: a lone surrogate travels as the bytes a hostile client would send.
    return "&".join(
        f"{quote(key)}={quote(value, safe='', errors='surrogatepass')}"
        for key, value in data.items()
    )


def visitor(world, name: str):
    """A client for the first persona who may open the URL, or None when nobody can."""
    entry = TABLE[name]
    if entry.token_api:
        return client_for(world, "anonymous", HTTP_AUTHORIZATION=f"Bearer {world.own.secret}")
    allowed = [persona for persona, code in codes(entry.get).items() if code == "200"]
    return client_for(world, allowed[-1]) if allowed else None


def read_through(response) -> bytes:
    """The body; a file is read to its end, so the client closes it."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def parameters(client, url: str) -> set[str]:
    with keys_read() as read:
        response = client.get(url)
    page = read_through(response)
    fields = get_form_fields(page) if "html" in response.get("Content-Type", "") else set()
    return (read | fields | ALWAYS) - {"csrfmiddlewaretoken"}


def fuzz(client, url: str, names: set[str]) -> None:
    def get(data: dict[str, str]) -> None:
        response = client.get(f"{url}?{query_string(data)}")
        read_through(response)
        assert response.status_code < 500, (url, data)

    for value in HOSTILE:  # each attack in every parameter at once
        get(dict.fromkeys(sorted(names), value))

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(sorted(names), VALUES)))
    def mixed(data):
        get(data)

    mixed()


@pytest.mark.parametrize("name", [name for name in TABLE if name != "admin"])
def test_hostile_query_strings_never_make_a_server_error(world, name):
    client = visitor(world, name)
    if client is None:
        pytest.skip("nobody among the personas may open it")
    url = url_of(name, world)
    fuzz(client, url, parameters(client, url))


def test_the_fuzzed_urls_cover_the_personas_filters(world):
    """The recording finds the filters the views read: the fuzz reaches them."""
    client = client_for(world, "staff")
    assert {"du", "au", "incubateur"} <= parameters(
        client, url_of("committees:decisions-csv", world)
    )
    assert "statut" in parameters(client, url_of("committees:reports", world))
