"""`manage.py seed_demo`: build the demo course once (`--reset` rebuilds it); say how to log in."""

from __future__ import annotations

import os
import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from lms.core.demo import people
from lms.core.demo.seed import SeedResult, demo_seed

PASSWORD_VARIABLE = "AULA_DEMO_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create the demo course SCI-7 with its teacher, 30 students, assignments, answers and "
        "grades. Does nothing when it exists already; --reset deletes and recreates it. Passwords: "
        f"${PASSWORD_VARIABLE}, else {people.DEFAULT_PASSWORD!r} (local use only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo course and its accounts first, then create them again.",
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        password = os.environ.get(PASSWORD_VARIABLE) or people.DEFAULT_PASSWORD
        started = time.perf_counter()
        try:
            result = demo_seed(password=password, reset=reset)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        seconds = time.perf_counter() - started
        if result.created:
            self._report_created(result, password, seconds)
        else:
            self._report_existing(result)

    def _report_created(self, result: SeedResult, password: str, seconds: float) -> None:
        action = "Deleted and recreated" if result.deleted else "Created"
        self.stdout.write(
            self.style.SUCCESS(f"{action} the demo course {result.course} in {seconds:.1f} s.")
        )
        total = sum(result.counts.values())
        rows = ", ".join(
            f"{count} {_name(label, count)}" for label, count in result.counts.items() if count
        )
        self.stdout.write(f"Wrote {total} objects: {rows}.")
        self.stdout.write(f"Log in at {settings.SITE_URL}{reverse('accounts:login')} as")
        self.stdout.write(f"  teacher: {people.TEACHER.email}  password: {password}")
        self.stdout.write(f"  student: {people.STUDENTS[0].email}  password: {password}")
        self.stdout.write(
            f"All {len(people.STUDENTS)} students (…@students.example.com) share that password."
        )
        self.stdout.write(
            self.style.WARNING(
                "These are demo accounts for a local machine only: the password is printed here "
                f"and documented (set {PASSWORD_VARIABLE} to choose another). Never seed the demo "
                "on a server that others can reach."
            )
        )

    def _report_existing(self, result: SeedResult) -> None:
        self.stdout.write(
            f"The demo course {result.course} is already there: nothing was written. "
            f"Log in as {people.TEACHER.email} or {people.STUDENTS[0].email} with the password "
            "they were given when it was created. Run seed_demo --reset to recreate it."
        )


def _name(label: str, count: int) -> str:
    meta = apps.get_model(label)._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)
