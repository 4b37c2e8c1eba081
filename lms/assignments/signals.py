"""Signals other apps listen to, so that the LMS apps never import `mlcore`."""

from django.dispatch import Signal

#: Sent inside `submission_submit`'s transaction with `submission=`. Receivers that start work
#: must defer it to the commit (`delay_on_commit`), so a worker never reads an uncommitted row.
submission_submitted = Signal()
