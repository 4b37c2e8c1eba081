"""The demo's past-due assignment: a unit check on cells and energy, graded and released, with
some late work and one student's extension."""

from __future__ import annotations

from decimal import Decimal

from lms.core.demo.answers_dark_cupboard import DARK_CUPBOARD
from lms.core.demo.answers_photosynthesis import PHOTOSYNTHESIS_RESPIRATION
from lms.core.demo.specs import Assignment, Choice, Criterion, Level, Plan, Question, Review

_PHOTOSYNTHESIS_RUBRIC = (
    Criterion(
        "Photosynthesis",
        "What goes in and comes out, and where it happens.",
        (
            Level(2, "Complete", "Inputs, outputs and light energy right; in the chloroplasts."),
            Level(1, "Partial", "Some inputs or outputs right, or the place missing."),
            Level(0, "Missing", "Absent or wrong."),
        ),
    ),
    Criterion(
        "Respiration",
        "What goes in and comes out, the energy released, and where it happens.",
        (
            Level(2, "Complete", "Glucose and oxygen in; energy, CO2 and water out; mitochondria."),
            Level(1, "Partial", "Some of it right, or confused with breathing in one place."),
            Level(0, "Missing", "Absent, wrong, or only 'breathing'."),
        ),
    ),
    Criterion(
        "The link between them",
        "How the two processes depend on each other.",
        (
            Level(2, "Explained", "The products of each are the reactants of the other: a cycle."),
            Level(1, "Mentioned", "Says they are opposite or linked, or one direction only."),
            Level(0, "None", "No link made."),
        ),
    ),
)

UNIT_CHECK = Assignment(
    title="Unit 1 check: Cells and energy",
    category="Quizzes and tests",
    instructions=(
        "Answer every question. You have **two attempts**; your best one counts.\n\n"
        "Write the last two answers in full sentences. Spelling of science words counts."
    ),
    opens_day=-23,
    due_day=-9,
    lock_day=-4,
    max_attempts=2,
    attempt_scoring="highest",
    published=True,
    release_policy="manual",
    late_policy={
        "late_deduction_percent": Decimal(10),
        "late_interval": "day",
        "late_minimum_percent": Decimal(50),
        "missing_deduction_enabled": True,
        "missing_deduction_percent": Decimal(100),
    },
    questions=(
        Question(
            kind="single_choice",
            prompt="In which part of a plant cell does photosynthesis take place?",
            points=1,
            skills=("Cells and microscopy", "Photosynthesis"),
            choices=(
                Choice("The nucleus"),
                Choice("The chloroplasts", correct=True),
                Choice("The mitochondria"),
                Choice("The cell wall"),
            ),
            responses=(((1,), 15), ((2,), 3), ((0,), 2), ((3,), 1)),
        ),
        Question(
            kind="multiple_choice",
            prompt=(
                "Which of these are found in plant cells but **not** in animal cells? "
                "Choose all that apply."
            ),
            points=2,
            skills=("Cells and microscopy",),
            choices=(
                Choice("A cell wall", correct=True),
                Choice("Chloroplasts", correct=True),
                Choice("A large permanent vacuole", correct=True),
                Choice("A nucleus"),
                Choice("A cell membrane"),
                Choice("Mitochondria"),
            ),
            responses=(
                ((0, 1, 2), 8),
                ((0, 1), 5),
                ((1,), 2),
                ((0, 1, 2, 5), 2),
                ((0, 1, 3), 2),
                ((1, 2), 1),
            ),
        ),
        Question(
            kind="numeric",
            prompt=(
                "In a photograph taken through a microscope at a magnification of **400**, a "
                "cheek cell is 24 mm wide. How wide is the real cell, in micrometres (µm)? "
                "(1 mm = 1000 µm)"
            ),
            points=2,
            skills=("Cells and microscopy", "Scientific calculations"),
            numeric_answer=Decimal(60),
            numeric_tolerance=Decimal(1),
            responses=(
                (Decimal(60), 11),
                (Decimal("59.5"), 1),
                (Decimal("0.06"), 3),
                (Decimal(9600), 2),
                (Decimal(6), 2),
                (Decimal(600), 1),
            ),
        ),
        Question(
            kind="short_text",
            prompt="What is the name of the green pigment in leaves that absorbs light?",
            points=1,
            skills=("Photosynthesis",),
            reference_answers=("Chlorophyll.",),
            key_points=("chlorophyll",),
            accepted_answers=("chlorophyll",),
            max_chars=100,
            responses=(
                ("chlorophyll", 11),
                ("Chlorophyll", 3),
                ("chlorophyl", 2),
                ("clorophyll", 1),
                ("chloroplast", 2),
                ("green stuff", 1),
            ),
            reviews={
                "chlorophyl": Review(1, "Accepted. Watch the spelling: chlorophyll."),
                "clorophyll": Review(1, "Accepted. Watch the spelling: chlorophyll."),
                "chloroplast": Review(
                    0, "The chloroplast is the organelle; the pigment inside it is chlorophyll."
                ),
                "green stuff": Review(0, "Use the scientific name: chlorophyll."),
            },
        ),
        Question(
            kind="short_text",
            prompt=(
                "Maya put a healthy bean plant in a dark cupboard for two weeks and watered it "
                "every day. When she took it out, its leaves had turned pale yellow and it had "
                "not grown at all. Explain why the plant stopped growing."
            ),
            points=3,
            skills=("Photosynthesis", "Respiration"),
            reference_answers=(
                "In the dark the plant cannot photosynthesise, because photosynthesis needs "
                "light energy. Photosynthesis is how the plant makes glucose, its food, from "
                "carbon dioxide and water. With no new glucose the plant has no energy and no "
                "material to build new cells, so once its stored food is used up it stops "
                "growing. The leaves turn yellow because chlorophyll is not made in the dark.",
                "No light means no photosynthesis, so the plant makes no glucose. Without "
                "glucose it has nothing to respire for energy or to build new cells from, so it "
                "cannot grow.",
            ),
            key_points=(
                "There is no light, so the plant cannot photosynthesise.",
                "Photosynthesis makes glucose (sugar), the plant's food.",
                "Without new glucose the plant has no energy or material to grow.",
            ),
            max_chars=1500,
            answers=DARK_CUPBOARD,
        ),
        Question(
            kind="essay",
            prompt=(
                "Compare **photosynthesis** and **cellular respiration**. Say what goes in and "
                "what comes out of each process, where in the cell each happens, and how the two "
                "are linked. (About 100 to 150 words.)"
            ),
            points=6,
            skills=("Photosynthesis", "Respiration"),
            reference_answers=(
                "Photosynthesis happens in the chloroplasts of green plants and algae. Using "
                "light energy absorbed by chlorophyll, carbon dioxide and water are turned into "
                "glucose, and oxygen is given off; the energy is stored in the glucose. "
                "Respiration happens in the mitochondria of every living cell, plants included, "
                "all the time. Glucose reacts with oxygen, the stored energy is released for the "
                "cell to use, and carbon dioxide and water are given off. The two are linked in a "
                "cycle: the products of photosynthesis (glucose and oxygen) are the reactants of "
                "respiration, and the products of respiration (carbon dioxide and water) are the "
                "reactants of photosynthesis.",
            ),
            key_points=(
                "Photosynthesis turns carbon dioxide and water into glucose and oxygen using "
                "light energy.",
                "Photosynthesis happens in the chloroplasts.",
                "Respiration uses glucose and oxygen to release energy, giving carbon dioxide "
                "and water.",
                "Respiration happens in the mitochondria of all living cells, plants included.",
                "The products of each process are the reactants of the other.",
            ),
            max_chars=3000,
            rubric=_PHOTOSYNTHESIS_RUBRIC,
            answers=PHOTOSYNTHESIS_RESPIRATION,
        ),
    ),
    plan=Plan(
        absent=(25, 27),
        late=(3, 11, 19, 24),
        extension=(13, 3, "Broken wrist: typing slowly for two weeks."),
        release=True,
    ),
)
