"""Courses, enrolments (student, TA, teacher) and skills."""
