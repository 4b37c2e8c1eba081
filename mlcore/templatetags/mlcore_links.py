"""`{% ai_review_links course %}`: the course page's links to each text question's grading queue
and AI model page, for the course's teachers and TAs (the page decides who sees it)."""

from __future__ import annotations

from typing import Any

from django import template

from lms.assignments.models import Question
from lms.courses.models import Course

register = template.Library()


@register.inclusion_tag("mlcore/partials/course_questions.html")
def ai_review_links(course: Course) -> dict[str, Any]:
    """Text questions of the course, numbered as the assignment pages number them: one query."""
    rows = Question.objects.filter(assignment__course=course).order_by(
        "assignment__position", "assignment__due_at", "assignment_id", "position", "id"
    )
    questions = []
    numbers: dict[int, int] = {}
    for question in rows.select_related("assignment"):
        numbers[question.assignment_id] = numbers.get(question.assignment_id, 0) + 1
        if question.is_text:
            questions.append((question, numbers[question.assignment_id]))
    return {"questions": questions}
