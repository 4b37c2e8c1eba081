"""Signals other apps listen to (the API's webhooks), so that grading imports none of them."""

from django.dispatch import Signal

#: Sent inside the releasing transaction with `grade_ids=[...]`, once per release (one grade or
#: an assignment's). Receivers that start work must defer it to the commit.
grades_released = Signal()
