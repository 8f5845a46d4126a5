"""How the sandbox hands its callbacks to the site: over HTTP to the site's own notify
address, as a gateway does. Tests replace ``post_callback`` with the test client."""

import logging

import requests

logger = logging.getLogger(__name__)


def post_callback(base: str, path: str, body: bytes, content_type: str) -> bool:
    """POST ``body`` to ``base + path``; True when the site acknowledged it."""
    try:
        response = requests.post(
            base.rstrip("/") + path, data=body, headers={"Content-Type": content_type}, timeout=10
        )
    except requests.RequestException as error:
        logger.warning("sandbox callback to %s failed: %s", path, error)
        return False
    return response.status_code == 200
