"""The demo course's people: one teacher and a class of 30 twelve- and thirteen-year-olds.

Every address is under example.com (reserved by RFC 2606), so no demo e-mail can reach anyone.
"""

from __future__ import annotations

from lms.core.demo.specs import Person

TEACHER = Person("teacher@example.com", "Elena Marsh")

_STUDENT_NAMES = (
    ("amara.okafor", "Amara Okafor"),
    ("liam.oconnor", "Liam O'Connor"),
    ("sofia.rossi", "Sofia Rossi"),
    ("mateo.garcia", "Mateo García"),
    ("yuki.tanaka", "Yuki Tanaka"),
    ("noah.schmidt", "Noah Schmidt"),
    ("aisha.rahman", "Aisha Rahman"),
    ("ethan.nguyen", "Ethan Nguyen"),
    ("chloe.dubois", "Chloé Dubois"),
    ("arjun.patel", "Arjun Patel"),
    ("freya.lindqvist", "Freya Lindqvist"),
    ("kwame.mensah", "Kwame Mensah"),
    ("isabella.costa", "Isabella Costa"),
    ("oliver.brown", "Oliver Brown"),
    ("zara.ahmed", "Zara Ahmed"),
    ("lucas.martin", "Lucas Martin"),
    ("mei.chen", "Mei Chen"),
    ("daniel.kowalski", "Daniel Kowalski"),
    ("priya.sharma", "Priya Sharma"),
    ("hugo.fernandes", "Hugo Fernandes"),
    ("leila.haddad", "Leila Haddad"),
    ("samuel.adeyemi", "Samuel Adeyemi"),
    ("emma.jansen", "Emma Jansen"),
    ("tomas.silva", "Tomás Silva"),
    ("hana.kim", "Hana Kim"),
    ("finn.murphy", "Finn Murphy"),
    ("nadia.petrova", "Nadia Petrova"),
    ("jonah.levi", "Jonah Levi"),
    ("ingrid.olsen", "Ingrid Olsen"),
    ("diego.ramirez", "Diego Ramírez"),
)

STUDENTS = tuple(Person(f"{local}@students.example.com", name) for local, name in _STUDENT_NAMES)

# The school's clock: every demo user sees times in it, and due times fall on its afternoons.
TIME_ZONE = "Europe/Dublin"

# Every demo account gets this password unless AULA_DEMO_PASSWORD says otherwise. It is printed
# and documented on purpose: the demo is for a local machine, never for a server others reach.
DEFAULT_PASSWORD = "aula-demo-2026"
