"""The demo's coming assignment: a rock cycle project that opens next week, not yet published."""

from __future__ import annotations

from decimal import Decimal

from lms.core.demo.specs import Assignment, Choice, Criterion, Level, Question

ROCK_PROJECT = Assignment(
    title="Project: The journey of a grain of sand",
    category="Projects",
    instructions=(
        "A short project on the rock cycle. Work on your own; you may use the textbook and the "
        "rock samples in the lab. One attempt, and late work is not accepted."
    ),
    opens_day=8,
    due_day=22,
    lock_day=None,
    max_attempts=1,
    attempt_scoring="latest",
    published=False,
    release_policy="manual",
    late_policy={"late_submissions_accepted": False},
    questions=(
        Question(
            kind="single_choice",
            prompt="Granite forms when magma cools slowly underground. What type of rock is it?",
            points=1,
            skills=("Rocks and the rock cycle",),
            choices=(Choice("Igneous", correct=True), Choice("Sedimentary"), Choice("Metamorphic")),
        ),
        Question(
            kind="multiple_choice",
            prompt="Which of these are kinds of weathering? Choose all that apply.",
            points=2,
            skills=("Rocks and the rock cycle",),
            choices=(
                Choice("Water freezing and thawing in cracks", correct=True),
                Choice("Plant roots growing into cracks", correct=True),
                Choice("Acid rain dissolving limestone", correct=True),
                Choice("Magma cooling"),
                Choice("Sediment being cemented together"),
            ),
        ),
        Question(
            kind="numeric",
            prompt=(
                "A rock sample has a mass of 270 g and a volume of 100 cm³. What is its density "
                "in g/cm³?"
            ),
            points=1,
            skills=("Scientific calculations", "Rocks and the rock cycle"),
            numeric_answer=Decimal("2.7"),
            numeric_tolerance=Decimal("0.05"),
        ),
        Question(
            kind="short_text",
            prompt=(
                "Explain why fossils are found in sedimentary rock but almost never in igneous "
                "rock."
            ),
            points=2,
            skills=("Rocks and the rock cycle",),
            reference_answers=(
                "Sedimentary rock forms at low temperature as layers of sediment settle and are "
                "pressed together, so the remains of living things are buried and kept. Igneous "
                "rock forms from molten magma or lava, which is so hot that it destroys any "
                "remains.",
            ),
            key_points=(
                "Sedimentary rock forms from layers of sediment that bury remains gently.",
                "Igneous rock forms from molten rock, which destroys remains.",
            ),
            max_chars=1500,
        ),
        Question(
            kind="essay",
            prompt=(
                "Tell the story of one grain of sand on a beach as it travels through the rock "
                "cycle and back to a beach again. Name each process it goes through and the kind "
                "of rock it is part of at each stage."
            ),
            points=8,
            skills=("Rocks and the rock cycle", "Plate tectonics"),
            reference_answers=(
                "The grain is washed into the sea and settles with other sediment in layers "
                "(deposition). Over millions of years the layers above press down on it "
                "(compaction) and minerals glue the grains together (cementation): it is now "
                "part of sandstone, a sedimentary rock. Plate movements bury the sandstone "
                "deeper, where heat and pressure change it without melting it into quartzite, a "
                "metamorphic rock. Deeper still it melts into magma, which rises and cools "
                "slowly underground into granite, an igneous rock. Uplift brings the granite to "
                "the surface, where weathering breaks it up and rivers carry (erode and "
                "transport) the grains back to a beach.",
            ),
            key_points=(
                "Deposition, compaction and cementation make sedimentary rock.",
                "Heat and pressure without melting make metamorphic rock.",
                "Melting makes magma; cooling makes igneous rock.",
                "Uplift, weathering, erosion and transport bring the grain back to the surface.",
            ),
            max_chars=6000,
            rubric=(
                Criterion(
                    "Processes",
                    "Each process named and described correctly.",
                    (
                        Level(3, "All correct", "Every process named and described correctly."),
                        Level(2, "Most", "Most processes right, one missing or muddled."),
                        Level(1, "Some", "One or two processes right."),
                        Level(0, "None", "No process named correctly."),
                    ),
                ),
                Criterion(
                    "Rock types",
                    "The kind of rock at each stage.",
                    (
                        Level(3, "All three", "Sedimentary, metamorphic and igneous, each right."),
                        Level(2, "Two", "Two rock types placed correctly."),
                        Level(1, "One", "One rock type placed correctly."),
                        Level(0, "None", "No rock type placed correctly."),
                    ),
                ),
                Criterion(
                    "Telling the story",
                    "A clear sequence that returns to the beach.",
                    (
                        Level(2, "Clear", "A complete cycle in a sensible order."),
                        Level(1, "Patchy", "Some stages out of order or the loop not closed."),
                        Level(0, "Unclear", "No sequence."),
                    ),
                ),
            ),
        ),
    ),
)
