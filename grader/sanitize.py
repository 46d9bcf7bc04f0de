"""What a page may show of a student's notebook: the allow-list every student-made string passes.

Pages an instructor or a learner opens (formgrader, ``course feedback``, nbgrader's own feedback)
render the autograded notebook with nbconvert, which inserts HTML outputs, Markdown (with its raw
HTML), JavaScript and SVG as they are. So the notebook is cleaned where it is written
(:func:`clean_notebook`), and our own HTML escapes every student-made string (:func:`text_html`):

- outputs keep text, PNG/JPEG images (strict base64) and HTML cut down by an allow-list
  (:func:`clean_html`: text formatting, lists, tables, links, images inlined as PNG/JPEG data;
  no scripts, event handlers, style sheets, iframes, forms, SVG/MathML, ``javascript:`` URLs,
  or anything that loads from elsewhere). Markdown outputs are rendered to HTML and cut down the
  same way. Everything else (JavaScript, SVG images, LaTeX, widgets, JSON...) is dropped, with a
  note saying so when nothing else of the output is left;
- Markdown cells are rendered (nbconvert's own renderer), cut down, and stored as one line of
  HTML, which Markdown renderers (nbconvert's, JupyterLab's) pass through unchanged; raw cells
  become escaped text;
- nothing is marked trusted (no ``trusted`` cell metadata, no widget state).
"""
from __future__ import annotations

import base64
import binascii
import html
import re

import nh3

#: Tags kept in student HTML; any other tag is dropped (its text stays, except for the content
#: of ``_DROP_WITH_CONTENT``).
TAGS = frozenset({
    "p", "br", "hr", "div", "span", "pre", "code", "kbd", "samp", "var", "tt", "blockquote", "q",
    "abbr", "dfn", "cite", "b", "strong", "i", "em", "u", "s", "del", "ins", "strike", "mark",
    "small", "sub", "sup", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "details", "summary", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
    "a", "img",
})
_DROP_WITH_CONTENT = {"script", "style", "template", "svg", "math", "iframe", "object", "noscript",
                      "textarea", "select"}
ATTRIBUTES = {
    "*": {"title", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "tr": {"align", "valign"},
    "col": {"span", "align"},
    "colgroup": {"span", "align"},
    "ol": {"start", "type"},
    "details": {"open"},
}
#: CSS properties kept in ``style`` attributes (pandas sets text-align); none of them can load a
#: URL or move a box over the page.
STYLE_PROPERTIES = {"text-align", "vertical-align", "color", "background-color", "font-weight",
                    "font-style", "text-decoration", "white-space"}
_CLASSES = {"table": {"dataframe"}}  # pandas' table class, which notebook CSS styles
_B64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg);base64,([A-Za-z0-9+/=\s]*)", re.I)


def _attribute(tag: str, attr: str, value: str) -> str | None:
    """Links go to web or mail addresses (or within the page); images are inline PNG/JPEG only,
    so nothing on the page loads from anywhere when it opens."""
    if attr == "href":
        return value if re.match(r"(https?:|mailto:|#)", value.strip(), re.I) else None
    if attr == "src":
        return value if tag == "img" and _DATA_IMAGE.fullmatch(value.strip()) else None
    return value


def clean_html(fragment: str) -> str:
    """``fragment`` cut down to :data:`TAGS`, :data:`ATTRIBUTES` and :data:`STYLE_PROPERTIES`.

    >>> clean_html('<b onclick="x()">hi</b><script>alert(1)</script><img src=x onerror=y()>')
    '<b>hi</b><img>'
    """
    return nh3.clean(fragment, tags=set(TAGS), clean_content_tags=_DROP_WITH_CONTENT,
                     attributes=ATTRIBUTES, attribute_filter=_attribute, strip_comments=True,
                     url_schemes={"http", "https", "mailto", "data"}, allowed_classes=_CLASSES,
                     filter_style_properties=STYLE_PROPERTIES, link_rel="noopener noreferrer nofollow")


def markdown_html(source: str) -> str:
    """Markdown rendered as nbconvert renders a notebook's Markdown (math kept for MathJax), then
    cut down by :func:`clean_html`."""
    return clean_html(_markdown_renderer().render(source))


def html_block(fragment: str) -> str:
    """Markdown source showing exactly ``fragment`` (HTML): one ``<div>`` line, which Markdown
    renderers pass through as raw HTML (a block only ends at a blank line). Line breaks become
    ``&#10;``, which HTML reads as the same character."""
    return "<div>" + re.sub(r"\r\n?|\n", "&#10;", fragment) + "</div>"


def text_html(text: str) -> str:
    """Plain ``text`` as HTML: escaped, with its `backtick` spans shown as code (the feedback's
    only markup).

    >>> text_html("`f` failed: <b>")
    '<code>f</code> failed: &lt;b&gt;'
    """
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


def lines_html(lines) -> str:
    """Feedback lines (plain text, see :func:`text_html`) as an HTML list; "" for none."""
    items = "".join(f"<li>{text_html(line)}</li>" for line in lines)
    return f"<ul>{items}</ul>" if items else ""


def clean_outputs(outputs: list) -> list:
    """Cleaned copies of a code cell's outputs (see the module docstring)."""
    return [_clean_output(out) for out in outputs]


def clean_notebook(nb):
    """Clean every cell of ``nb`` in place (see the module docstring) and return it."""
    import nbformat

    nb.metadata.pop("widgets", None)  # widget state: nbconvert loads a widget manager for it
    nb.metadata.pop("signature", None)
    for i, cell in enumerate(nb.cells):
        cell.get("metadata", {}).pop("trusted", None)
        cell.pop("attachments", None)  # markdown images from attachments are not kept
        if cell.cell_type == "code":
            cell.outputs = clean_outputs(cell.get("outputs", []))
        elif cell.cell_type == "markdown":
            cell.source = html_block(markdown_html(cell.source))
        else:  # raw (shown by nbconvert as HTML): the text as it is
            meta = {k: v for k, v in cell.get("metadata", {}).items() if k != "raw_mimetype"}
            new = nbformat.v4.new_markdown_cell(html_block(f"<pre>{html.escape(cell.source)}</pre>"),
                                                metadata=meta)
            if "id" in cell:
                new["id"] = cell["id"]
            nb.cells[i] = new
    return nb


def _text(value) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return value if isinstance(value, str) else None


def _base64_image(value) -> str | None:
    text = _text(value)
    if text is None or not _B64.fullmatch(text):
        return None
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return text


def _clean_output(out):
    from nbformat import NotebookNode

    kind = out.get("output_type")
    if kind == "stream":
        return NotebookNode(output_type="stream", name=out.get("name", "stdout"),
                            text=_text(out.get("text")) or "")
    if kind == "error":
        return NotebookNode(output_type="error", ename=str(out.get("ename", "")),
                            evalue=str(out.get("evalue", "")),
                            traceback=[str(t) for t in out.get("traceback", [])])
    data = dict(out.get("data", {}))
    kept = {}
    if (plain := _text(data.pop("text/plain", None))) is not None:
        kept["text/plain"] = plain
    for mime, clean in (("text/html", clean_html), ("text/markdown", markdown_html)):
        if (markup := _text(data.get(mime))) is not None and "text/html" not in kept:
            shown = clean(markup)
            if shown.strip() or not markup.strip():  # else all of it was active: say so below
                kept["text/html"] = shown
                del data[mime]
    if "text/html" in kept:
        data.pop("text/markdown", None)  # shown by the HTML already
    metadata = {}
    for mime in ("image/png", "image/jpeg"):
        if mime in data and (image := _base64_image(data[mime])) is not None:
            kept[mime] = image
            del data[mime]
            size = (out.get("metadata") or {}).get(mime) or {}
            size = {k: v for k, v in size.items() if k in ("width", "height") and type(v) is int}
            if size:
                metadata[mime] = size
    removed = sorted(data)
    if removed and not ({"text/html", "image/png", "image/jpeg"} & set(kept)):
        note = (f"[output of type {', '.join(removed)} not shown: pages of graded work show only "
                "text, valid PNG/JPEG images and plain HTML]")
        kept["text/plain"] = note + ("\n" + kept["text/plain"] if "text/plain" in kept else "")
    node = NotebookNode(output_type=kind, data=kept, metadata=metadata)
    if kind == "execute_result":
        count = out.get("execution_count")
        node.execution_count = count if type(count) is int else None
    return node


_RENDERER = []


def _markdown_renderer():
    """nbconvert's Markdown parser (math spans left for MathJax) with an HTML renderer that
    leaves out heading anchors and shows an attachment image (attachments are not kept) by its
    alt text: nbconvert's own raises on a missing attachment."""
    if not _RENDERER:
        from nbconvert.filters.markdown_mistune import MISTUNE_V3, IPythonRenderer, MarkdownWithMath

        class Renderer(IPythonRenderer):
            def image(self, text, url, title=None):
                alt, src = (text, url) if MISTUNE_V3 else (url, text)  # mistune 2 swaps them
                if str(src).startswith("attachment:"):
                    return html.escape(str(alt))
                return super().image(text, url, title)

        _RENDERER.append(MarkdownWithMath(renderer=Renderer(escape=False, exclude_anchor_links=True)))
    return _RENDERER[0]
