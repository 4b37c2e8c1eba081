"""Aula machine learning (Django app): scoring models, registry, Celery tasks.

`mlcore.engine` is the pure PyTorch part and never imports Django or Celery.
"""
