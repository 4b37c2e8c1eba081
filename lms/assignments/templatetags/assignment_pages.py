"""Filters of the student pages: plain numbers, and the student's own text with evidence marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from lms.assignments.forms import number_text

register = template.Library()


@register.filter
def plain_number(value: Decimal | None) -> str:
    """9.800000 -> 9.8; 100.000000 -> 100 (never 1E+2)."""
    return number_text(value)


def _locate(text: str, evidence: Mapping[str, Any]) -> tuple[int, int] | None:
    """Where the evidence lies in `text`: at its offsets when they still hold, else where its
    words first occur (the scorer may have measured offsets on a cleaned copy); None if absent."""
    piece = str(evidence.get("text") or "")
    start, end = evidence.get("start"), evidence.get("end")
    if isinstance(start, int) and isinstance(end, int) and piece and text[start:end] == piece:
        return start, end
    found = text.find(piece) if piece else -1
    return (found, found + len(piece)) if found >= 0 else None


def evidence_spans(
    text: str, marks: Iterable[tuple[int, Mapping[str, Any]]]
) -> list[tuple[int, int, list[int]]]:
    """Merged (start, end, key point numbers) spans of `text`, in order; overlaps become one."""
    located = sorted(
        (span[0], span[1], number)
        for number, evidence in marks
        if (span := _locate(text, evidence)) is not None
    )
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, number in located:
        if merged and start < merged[-1][1]:
            last_start, last_end, numbers = merged[-1]
            merged[-1] = (last_start, max(last_end, end), [*numbers, number])
        else:
            merged.append((start, end, [number]))
    return merged


@register.simple_tag
def highlight_evidence(text: str, marks: Iterable[tuple[int, Mapping[str, Any]]]) -> SafeString:
    """The answer, escaped, with each evidence span in a <mark> that names its key points.

    `marks` pairs a key point's number (as listed beside the answer) with its evidence
    (`{"text", "start", "end"}`, as `mlcore.engine.feedback` gives it).
    """
    out: list[str] = []
    cursor = 0
    for start, end, numbers in evidence_spans(text, marks):
        out.append(conditional_escape(text[cursor:start]))
        label = ", ".join(str(n) for n in numbers)
        plural = "s" if len(numbers) > 1 else ""
        out.append(
            format_html(
                '<mark>{}</mark> <small class="kp-ref">[key point{} {}]</small>',
                text[start:end],
                plural,
                label,
            )
        )
        cursor = end
    out.append(conditional_escape(text[cursor:]))
    # Line breaks as the student typed them; everything above is escaped.
    return mark_safe("".join(out).replace("\n", "<br>"))
