"""Assignments, questions, rubrics, submissions and answers."""
