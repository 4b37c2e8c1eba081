"""factory_boy factories shared by every test."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import (
    Answer,
    Assignment,
    Category,
    Choice,
    Criterion,
    Extension,
    Level,
    Question,
    Submission,
)
from lms.courses.models import Course, Enrollment, Skill

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C-{n:03d}")
    title = factory.Sequence(lambda n: f"Course {n}")
    term = "2026 Autumn"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    role = Enrollment.Role.STUDENT


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Assignment {n}")
    is_published = True
    opens_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    due_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))
    max_attempts = 3


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    assignment = factory.SubFactory(AssignmentFactory)
    position = factory.Sequence(lambda n: n)
    kind = Question.Kind.SHORT_TEXT
    prompt = "Why is the sky blue?"
    points = Decimal(2)
    reference_answers = factory.LazyFunction(
        lambda: ["Air molecules scatter short blue wavelengths of sunlight more than red ones."]
    )
    key_points = factory.LazyFunction(
        lambda: ["scattering of light", "blue has a short wavelength"]
    )


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.SINGLE_CHOICE)
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Option {n}")
    is_correct = False


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    weight = Decimal(0)


class ExtensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Extension

    assignment = factory.SubFactory(AssignmentFactory)
    student = factory.SubFactory(UserFactory)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.ESSAY)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Criterion {n}")


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Level

    criterion = factory.SubFactory(CriterionFactory)
    position = factory.Sequence(lambda n: n)
    points = Decimal(1)
    title = factory.Sequence(lambda n: f"Level {n}")


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A submitted attempt written straight to the database: for fixtures that need rows, not the
    rules of `submission_submit` (which tests of those rules call instead)."""

    class Meta:
        model = Submission

    assignment = factory.SubFactory(AssignmentFactory)
    student = factory.SubFactory(UserFactory)
    attempt = 1
    status = Submission.Status.SUBMITTED
    started_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyFunction(timezone.now)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    submission = factory.SubFactory(SubmissionFactory)
    question = factory.SubFactory(QuestionFactory)
    text = "Light scatters."
