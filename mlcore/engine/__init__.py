"""Pure PyTorch engine: encoders, models, training, metrics. Never imports Django or Celery."""
