"""Written answers to the Ring of Fire question of "Homework: Our restless Earth".

Written for Aula's demo, in the voices of a class of 12-13 year olds. The first 27 are first
attempts (class-list order, the three students who have not started left out), the rest second
attempts by the students whose first try was weakest: the homework allows three.
"""

from __future__ import annotations

from lms.core.demo.specs import TextAnswer

# "Why are earthquakes and volcanoes common around the edges of the Pacific?" (4 points: moving
# tectonic plates; the Pacific's edges are plate boundaries; plates collide or grind, stress is
# released as earthquakes; a sinking plate melts and the magma rises as volcanoes.)
RING_OF_FIRE = (
    TextAnswer(
        "Because the Pacific is surrounded by the edges of tectonic plates. The plates move and "
        "push into each other, and one goes under the other. This makes earthquakes when the "
        "plates get stuck and then suddenly slip, and the plate that goes down melts and the "
        "magma rises up to make volcanoes.",
        4,
        "Excellent: plates, boundaries, earthquakes and volcanoes all explained.",
    ),
    TextAnswer(
        "because there are lots of plates there",
        1,
        "A good start. Where are the plates' edges, and what happens there?",
    ),
    TextAnswer(
        "Because its very hot around the Pacific ocean, near the equator",
        0,
        "Earthquakes aren't caused by hot weather. Look at the plate map on page 42.",
    ),
    TextAnswer(
        "The Ring of Fire is where the Pacific plate meets other plates. When plates move against "
        "each other they cause earthquakes.",
        3,
        "Good. Now add the volcanoes: what happens to a plate that sinks?",
    ),
    TextAnswer(
        "the ring of fire is a song by johnny cash",
        0,
        "Ha. It is also a real place: try the question again.",
    ),
    TextAnswer(
        "The Earth's crust is made of tectonic plates which float on the mantle and move a few cm "
        "every year. Around the Pacific the oceanic plate is subducted under the continental "
        "plates. Friction stops them sliding smoothly so pressure builds and is released as "
        "earthquakes. The subducted plate melts into magma which rises to form volcanoes like "
        "Mount Fuji.",
        4,
    ),
    TextAnswer(
        "Because the ocean is so big and heavy it presses down and makes the ground crack", 0
    ),
    TextAnswer(
        "There are plate boundaries all around the Pacific. Plates move and crash so you get "
        "earthquakes and volcanoes",
        3,
        "Good. How exactly does a collision make a volcano?",
    ),
    TextAnswer("earthquakes happen when plates move", 1),
    TextAnswer(
        "Tectonic plates meet around the edge of the Pacific. Where they collide, the heavier "
        "ocean plate sinks under the other plate (subduction). This causes earthquakes and the "
        "melted rock rises up as magma to make volcanoes.",
        4,
        "Clear and complete.",
    ),
    TextAnswer("i dont know", 0),
    TextAnswer(
        "because of climate change the earth is getting angrier",
        0,
        "Climate change is real, but it doesn't cause these. Think about plates.",
    ),
    TextAnswer(
        "The plates around the Pacific are moving towards each other. When one plate goes under "
        "another it melts and makes magma which makes volcanoes.",
        3,
    ),
    TextAnswer(
        "volcanoes and earthquakes are near each other because they are both caused by the earth "
        "moving",
        1,
        "Yes, but what is 'the earth moving'? Name the plates and say where they meet.",
    ),
    TextAnswer(
        "The core is closer to the surface there so its hotter and lava comes out",
        0,
        "A common idea, but the core is just as deep everywhere. Magma forms where a plate sinks.",
    ),
    TextAnswer("Its where the plates are. Plate boundaries.", 2),
    TextAnswer(
        "Around the Pacific, plates are pushing together. The pressure builds up and then the "
        "rocks snap, which is an earthquake. Volcanoes form because magma escapes through cracks "
        "at the plate edges.",
        3,
        "Earthquakes explained well. Where does the magma come from?",
    ),
    TextAnswer("Because of the tectonic plates, they move around and bump into each other", 2),
    TextAnswer(
        "The pacific ocean has lots of islands and islands are made of volcanoes",
        0,
        "Some islands are volcanoes, but why there? Use the word 'plates'.",
    ),
    TextAnswer(
        "The plates at the edge of the pacific sink under the other plates (subduction) and this "
        "causes earthquakes because it gets stuck and jolts, and volcanoes because the sinking "
        "plate melts.",
        4,
    ),
    TextAnswer("lava", 0),
    TextAnswer(
        "There are loads of earthquakes in Japan and Chile and Indonesia which are all around the "
        "Pacific. They have volcanoes too like Mount Fuji.",
        0,
        "Good examples! But the question asks why they happen there.",
    ),
    TextAnswer(
        "Plates are big pieces of the crust. The Pacific plate is moving under the plates around "
        "it. That makes earthquakes and volcanoes.",
        2,
        "Say how the sinking plate causes each one.",
    ),
    TextAnswer(
        "The mantle is made of hot liquid rock that moves in convection currents and these push "
        "the plates. Where the plates meet at the edges of the Pacific there is lots of stress. "
        "When it is released you get an earthquake.",
        3,
        "Good on convection and earthquakes (the mantle is mostly solid rock that flows slowly, "
        "though). Add the volcanoes.",
    ),
    TextAnswer(
        "Earthquakes happen when plates rub together and volcanoes happen when magma comes up", 2
    ),
    TextAnswer("Because the Pacific plate is the biggest plate", 1),
    TextAnswer(
        "tectonic plates move and when two plates collide they can make mountains, earthquakes "
        "and volcanoes. there are plate boundaries all around the pacific which is why its "
        "called the ring of fire.",
        3,
    ),
    # Second attempts.
    TextAnswer(
        "The Pacific is surrounded by plate boundaries. Plates move slowly and where they push "
        "together one sinks under the other. The plates get stuck and then slip, causing "
        "earthquakes. The sinking plate melts and the magma rises to form volcanoes.",
        4,
        "Full marks, well done.",
    ),
    TextAnswer("Because the plates meet there and they move so it causes earthquakes", 2),
    TextAnswer(
        "There are plate boundaries around the Pacific where plates collide. When they collide, "
        "one goes under the other and melts, making magma for volcanoes. They also get stuck and "
        "suddenly move, making earthquakes.",
        4,
    ),
    TextAnswer(
        "Its hot under the pacific so magma comes up. And earthquakes happen because of the "
        "volcanoes",
        0,
        "Still not the reason: look at where the plates meet on the map.",
    ),
    TextAnswer(
        "Plates move. The edges of the plates are round the Pacific. Earthquakes happen at the "
        "edges.",
        2,
        "Right place. Now explain what happens at the edges to make the ground shake.",
    ),
    TextAnswer(
        "The Ring of Fire is a line of plate boundaries. The oceanic plate is denser so it "
        "subducts under the continental plate. As it goes down it melts and forms magma that "
        "rises to make volcanoes. Friction between the plates builds stress that is released "
        "as earthquakes.",
        4,
    ),
    TextAnswer(
        "Tectonic plates move about 2-10 cm a year. Around the Pacific they meet and push into "
        "each other. Pressure builds up and is released as an earthquake.",
        3,
    ),
    TextAnswer(
        "because the plates around the pacific are moving apart and lava comes out of the gap",
        1,
        "Around the Pacific most plates move together, not apart. What happens then?",
    ),
    TextAnswer("Subduction", 1, "The right word! Now explain it in sentences."),
    TextAnswer(
        "There are lots of plate boundaries there. At a boundary plates can collide, and when "
        "they collide they make earthquakes and volcanoes.",
        2,
    ),
    TextAnswer(
        "plates move and crash into each other at the pacific so there are earthquakes, then the "
        "plate that goes under melts and turns into magma and makes volcanoes.",
        3,
        "Nearly there: explain why a crash makes the ground shake (stress builds, then slips).",
    ),
    TextAnswer(
        "The Earth's plates meet around the Pacific. Plates move because of convection in the "
        "mantle. When they meet one slides under the other and gets stuck, then jerks free, "
        "which is an earthquake. The rock that goes down melts and the magma comes up as "
        "volcanoes.",
        4,
    ),
    TextAnswer(
        "the ring of fire has lots of volcanoes because its the ring of FIRE",
        0,
        "The name describes the place; it doesn't explain it.",
    ),
    TextAnswer(
        "Plates meet at the edges of the Pacific and one sinks under the other. The sinking "
        "plate melts and makes volcanoes.",
        3,
    ),
    TextAnswer(
        "There are plate boundaries around the Pacific. Plates move against each other which "
        "causes earthquakes. Some plates sink and melt, causing volcanoes.",
        3,
    ),
)
