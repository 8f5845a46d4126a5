"""Service descriptions are Markdown written by providers: rendered, then sanitised.

markdown-it renders with raw HTML disabled, and nh3 (the Ammonia sanitiser) keeps only a
small allow-list of tags, so a description can never carry script, style or frames.
"""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    "table"
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code",
    "pre", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@lru_cache(maxsize=512)
def render_markdown(text: str) -> str:
    html = _renderer.render(text or "")
    # Headings are demoted: the page's own h1 is the title.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
