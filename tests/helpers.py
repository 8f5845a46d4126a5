"""Small helpers for HTTP tests: submit forms the way a browser does, read SMS codes."""

import re
import threading

from django.db import connection
from django.test import Client

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_SIX_DIGITS = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def csrf_token_from(response) -> str:
    """The CSRF token rendered into the page's first form."""
    match = _CSRF_INPUT.search(response.content.decode())
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client: Client, url: str, data: dict, *, form_url: str | None = None, **extra):
    """GET the page with the form (``form_url``, by default ``url``), then POST ``data`` to
    ``url`` with the CSRF token that page rendered, as a browser would."""
    page = client.get(form_url or url)
    assert page.status_code == 200, (page.status_code, form_url or url)
    return client.post(url, {**data, "csrfmiddlewaretoken": csrf_token_from(page)}, **extra)


def code_in(text: str) -> str:
    """The 6-digit code in an SMS text."""
    match = _SIX_DIGITS.search(text)
    assert match, f"no 6-digit code in {text!r}"
    return match.group(1)


def run_together(*calls) -> list[Exception]:
    """Run the calls in threads released at the same moment (each closes its database
    connection at the end); return the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors
