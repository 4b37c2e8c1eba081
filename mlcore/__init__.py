"""Aula machine learning: scoring models, registry, Celery tasks (Django app); see engine/ for pure PyTorch."""
