#!/bin/sh
# Entrypoint of the Aula images: migrate when asked to, then replace this shell with the command
# (gunicorn, a Celery worker or beat), so that the command is PID 1 and gets the stop signal.
set -eu

if [ "${AULA_MIGRATE_ON_START:-false}" = "true" ]; then
    # Only the web service sets this (docker/compose.yaml): migrations run once, before it serves,
    # and the workers and beat wait for it to be healthy before they start.
    python manage.py migrate --noinput
fi

exec "$@"
