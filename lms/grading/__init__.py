"""Grades (suggested, draft, released), their audit trail, late policy and the gradebook."""
