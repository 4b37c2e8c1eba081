"""The demo course: SCI-7 Earth and Life Science, a Year 8 class in its first weeks of term.

Three assignments, placed in time around the day the seed runs: a unit check past its due time
(graded, grades released, some work late, one student with an extension), a homework open now
(half graded, drafts only) and a project that opens next week (not yet published). Together they
use every question kind. Written for Aula's demo.
"""

from __future__ import annotations

from decimal import Decimal

from lms.core.demo.homework import HOMEWORK
from lms.core.demo.project import ROCK_PROJECT
from lms.core.demo.unit_check import UNIT_CHECK

CODE = "SCI-7"
TERM = "2026 Autumn"
TITLE = "Earth and Life Science"
DESCRIPTION = """\
Year 8 science with Ms Marsh. This term: **cells and energy**, then **our restless Earth**
(plates, earthquakes and volcanoes), then **rocks**.

- Work is due at 5 pm on the day shown.
- Late work loses 10% a day unless the assignment says otherwise, down to half marks at most.
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

ASSIGNMENTS = (UNIT_CHECK, HOMEWORK, ROCK_PROJECT)
