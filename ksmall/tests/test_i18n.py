"""Simplified Chinese is the default and complete; English is one switch away."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client

from tests.helpers import csrf_token_from

BASE_DIR = Path(__file__).resolve().parents[2]
ZH_PO = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdif]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f, locale="zh_Hans")


def describe(message) -> str:
    where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
    return f"{message.id!r} ({where})"


@pytest.fixture(scope="module")
def catalog():
    return read_catalog(ZH_PO)


def test_every_chinese_message_is_translated(catalog):
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if message.pluralizable else (message.string,)
        if not all(forms[: catalog.num_plurals]) or not forms:
            untranslated.append(describe(message))

    assert not untranslated, f"{len(untranslated)} untranslated:\n" + "\n".join(untranslated)


def test_no_chinese_message_is_fuzzy(catalog):
    fuzzy = [describe(m) for m in catalog if m.id and m.fuzzy]

    assert not fuzzy, "fuzzy entries:\n" + "\n".join(fuzzy)
    assert not catalog.fuzzy, "the catalogue header is still marked fuzzy"


def test_translations_keep_the_placeholders(catalog):
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) - expected:
                broken.append(describe(message))
            if string and not message.pluralizable and set(PLACEHOLDER.findall(string)) != expected:
                broken.append(describe(message))

    assert not broken, "placeholders differ:\n" + "\n".join(sorted(set(broken)))


def test_the_compiled_catalogue_is_up_to_date():
    assert ZH_MO.exists(), "compile the catalogues: make messages"
    assert ZH_MO.stat().st_mtime >= ZH_PO.stat().st_mtime, "django.mo is older than django.po"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (xgettext) on PATH")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path, catalog):
    """makemessages, run on a copy of the project, finds no msgid the .po lacks."""
    copy = tmp_path / "project"
    shutil.copytree(
        BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv",
            "var",
            ".git",
            "test-artifacts",
            "__pycache__",
            ".pytest_cache",
            ".ruff_cache",
            "node_modules",
            "staticfiles",
            "media",
        ),
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(  # noqa: S603 (fixed argv: this interpreter, our manage.py)
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--ignore",
            ".venv/*",
            "--ignore",
            "var/*",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # msgmerge keeps in the active part exactly the strings the code has now.
    extracted = read_catalog(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")

    committed = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog}
    missing = [
        describe(m)
        for m in extracted
        if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in committed
    ]

    assert not missing, "run make makemessages; missing from django.po:\n" + "\n".join(missing)


# --- what visitors see ------------------------------------------------------------------------


def hero_title(body: str) -> str:
    match = re.search(r'<h1 class="hero__title">(.*?)</h1>', body, re.S)
    assert match, "the home page has no hero title"
    return match.group(1).strip()


@pytest.mark.django_db
def test_the_home_page_is_in_chinese_by_default():
    response = Client().get("/")

    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert CJK.search(hero_title(body)), hero_title(body)
    assert "Learn from people who have done it" not in body


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_switch_is_used():
    body = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/").content.decode()

    assert '<html lang="zh-hans">' in body


@pytest.mark.django_db
def test_the_language_switch_turns_the_site_english_and_back():
    client = Client(enforce_csrf_checks=True)
    token = csrf_token_from(client.get("/"))

    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert hero_title(body) == "Learn from people who have done it"

    client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_chinese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    assert '<html lang="zh-hans">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_language_switch_refuses_an_off_site_next():
    client = Client(enforce_csrf_checks=True)
    token = csrf_token_from(client.get("/"))

    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "https://evil.example/", "csrfmiddlewaretoken": token},
    )

    assert "evil.example" not in response.get("Location", "")


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["en", "en-us", "en-gb"])
def test_a_language_cookie_naming_an_english_variant_gives_english(client, cookie):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/")
    assert response["Content-Language"] == "en"
