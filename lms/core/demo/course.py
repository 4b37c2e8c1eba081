"""The demo course: SCI-7 Earth and Life Science, a Year 8 class in its first weeks of term.

Three assignments, placed in time around the day the seed runs: a unit check past its due time
(graded, grades released, some work late, one student with an extension), a homework open now
(half graded, drafts only) and a project that opens next week (not yet published). Together they
use every question kind. Written for Aula's demo.
"""

from __future__ import annotations

from decimal import Decimal

from lms.core.demo.answers_cells import DARK_CUPBOARD, PHOTOSYNTHESIS_RESPIRATION
from lms.core.demo.answers_earth import RING_OF_FIRE
from lms.core.demo.specs import Assignment, Choice, Criterion, Level, Plan, Question, Review

CODE = "SCI-7"
TERM = "2026 Autumn"
TITLE = "Earth and Life Science"
DESCRIPTION = """\
Year 8 science with Ms Marsh. This term: **cells and energy**, then **our restless Earth**
(plates, earthquakes and volcanoes), then **rocks**.

- Homework is due on Fridays at 5 pm.
- Late work loses 10% a day, down to half marks at most.
- Stuck? Ask in class, or write to teacher@example.com.
"""
COURSE_LATE_POLICY: dict[str, object] = {
    "late_submissions_accepted": True,
    "late_deduction_percent": Decimal(10),
    "late_interval": "day",
    "late_minimum_percent": Decimal(50),
}

SKILLS = (
    ("Cells and microscopy", "Cell structures, plant and animal cells, using a microscope."),
    ("Photosynthesis", "How plants make glucose from carbon dioxide and water using light."),
    ("Respiration", "How every living cell releases energy from glucose."),
    ("Earth's structure", "Crust, mantle, outer and inner core."),
    ("Plate tectonics", "Moving plates, their boundaries, earthquakes and volcanoes."),
    ("Rocks and the rock cycle", "Igneous, sedimentary and metamorphic rock and how they form."),
    ("Scientific calculations", "Units, magnification, speeds and densities."),
)

# (name, weight in percent of the course total)
CATEGORIES = (("Homework", 20), ("Quizzes and tests", 50), ("Projects", 30))

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

HOMEWORK = Assignment(
    title="Homework: Our restless Earth",
    category="Homework",
    instructions=(
        "Use your notes on plate tectonics and the map on page 42 of the textbook. You have "
        "**three attempts**: read the feedback after each one and improve your answers."
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

ASSIGNMENTS = (UNIT_CHECK, HOMEWORK, ROCK_PROJECT)
