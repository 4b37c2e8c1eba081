"""Filters of the student pages: plain numbers, and the student's own text with evidence marked."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from lms.assignments.forms import number_text

register = template.Library()


@register.filter
def plain_number(value: Decimal | None) -> str:
    """9.800000 -> 9.8; 100.000000 -> 100 (never 1E+2)."""
    return number_text(value)


def _text(text: str) -> SafeString:
    # The student's line breaks kept as <br> (no paragraphs: the pieces join up inline).
    return mark_safe(escape(text).replace("\n", "<br>"))  # escaped just before


@register.simple_tag
def evidence_html(pieces: Iterable[tuple[str, str]]) -> SafeString:
    """The answer's pieces joined with nothing added between them; a piece that is evidence is
    marked and followed by the numbers of the key points it supports.

    `pieces` are (text, "1, 3") pairs, "" for plain text (`lms.assignments.feedback.Block`).
    """
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<mark>{}</mark> <small class="kp-ref">[key point {}]</small>',
                    _text(text),
                    refs,
                )
                if refs
                else _text(text),
            )
            for text, refs in pieces
        ),
    )
