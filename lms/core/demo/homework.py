"""The demo's open assignment: homework on plate tectonics, half graded, grades still drafts."""

from __future__ import annotations

from decimal import Decimal

from lms.core.demo.answers_ring_of_fire import RING_OF_FIRE
from lms.core.demo.specs import Assignment, Choice, Plan, Question

HOMEWORK = Assignment(
    title="Homework: Our restless Earth",
    category="Homework",
    instructions=(
        "Use your notes on plate tectonics and the map on page 42 of the textbook. You have "
        "**three attempts**: read the feedback after each one and improve your answers. Late "
        "work loses 5% a day."
    ),
    opens_day=-5,
    due_day=6,
    lock_day=9,
    max_attempts=3,
    attempt_scoring="highest",
    published=True,
    release_policy="manual",
    late_policy={"late_deduction_percent": Decimal(5), "late_minimum_percent": Decimal(60)},
    questions=(
        Question(
            kind="single_choice",
            prompt="Which layer of the Earth is liquid?",
            points=1,
            skills=("Earth's structure",),
            choices=(
                Choice("The inner core"),
                Choice("The outer core", correct=True),
                Choice("The mantle"),
                Choice("The crust"),
            ),
            responses=(((1,), 12), ((2,), 5), ((0,), 2), ((3,), 1)),
        ),
        Question(
            kind="multiple_choice",
            prompt=(
                "Which of these are evidence that the continents were once joined together? "
                "Choose all that apply."
            ),
            points=2,
            skills=("Plate tectonics",),
            choices=(
                Choice("The coasts of South America and Africa fit together", correct=True),
                Choice("The same fossils are found on continents far apart", correct=True),
                Choice("Matching rock layers on different continents", correct=True),
                Choice("The Pacific is the largest ocean"),
                Choice("Volcanoes erupt lava"),
            ),
            responses=(((0, 1, 2), 7), ((0, 1), 6), ((0,), 3), ((0, 1, 4), 2), ((0, 3), 1)),
        ),
        Question(
            kind="numeric",
            prompt=(
                "The Atlantic Ocean gets about 2.5 cm wider every year. How many **kilometres** "
                "wider will it be in one million years?"
            ),
            points=2,
            skills=("Plate tectonics", "Scientific calculations"),
            numeric_answer=Decimal(25),
            numeric_tolerance=Decimal("0.5"),
            responses=(
                (Decimal(25), 10),
                (Decimal(2500000), 2),
                (Decimal(250), 3),
                (Decimal("2.5"), 2),
                (Decimal("0.025"), 1),
            ),
        ),
        Question(
            kind="short_text",
            prompt=(
                "What is the name of the supercontinent that existed about 300 million years ago?"
            ),
            points=1,
            skills=("Plate tectonics",),
            reference_answers=("Pangaea.",),
            key_points=("Pangaea",),
            accepted_answers=("Pangaea", "Pangea"),
            max_chars=100,
            responses=(
                ("Pangaea", 9),
                ("pangea", 5),
                ("Pangia", 2),
                ("Gondwana", 2),
                ("Pangaea!", 1),
                ("Rodinia", 1),
            ),
        ),
        Question(
            kind="short_text",
            prompt=(
                "Most of the world's earthquakes and volcanoes happen in a ring around the edges "
                "of the Pacific Ocean, the 'Ring of Fire'. Explain why they are so common there."
            ),
            points=4,
            skills=("Plate tectonics", "Earth's structure"),
            reference_answers=(
                "The Earth's crust is broken into tectonic plates that move a few centimetres a "
                "year. The edges of the Pacific are boundaries where the Pacific plates meet the "
                "plates around them. There the plates push together and the denser ocean plate "
                "sinks under the other one (subduction). The plates stick, stress builds up and "
                "is released suddenly as earthquakes. The sinking plate melts in the hot mantle, "
                "and the magma rises through the crust and erupts as volcanoes.",
            ),
            key_points=(
                "The crust is broken into tectonic plates that move slowly.",
                "The edges of the Pacific are plate boundaries.",
                "Plates collide or grind; stress builds up and is released as earthquakes.",
                "A sinking plate melts and the magma rises to form volcanoes.",
            ),
            max_chars=2000,
            answers=RING_OF_FIRE,
        ),
    ),
    plan=Plan(absent=(5, 17, 28)),
)
