"""Scoring submitted text answers: predictions, feedback and suggested grades (issue 4).

The bodies of `mlcore.score_submission` and `mlcore.rescore_question`, and the sweep's query.
Interim module: the signatures below are final; the bodies land in the next commits.
"""

from __future__ import annotations

from datetime import datetime


def submission_score(*, submission_id: int) -> int:
    """Score every text answer of a submitted submission; return the predictions written."""
    raise NotImplementedError


def submissions_unscored(*, older_than: datetime) -> list[int]:
    """Ids of submissions submitted before `older_than` with text answers and no prediction."""
    raise NotImplementedError


def question_rescore(*, scoring_model_id: int) -> int:
    """Rescore the question's ungraded answers with its active version; return rows written."""
    raise NotImplementedError
