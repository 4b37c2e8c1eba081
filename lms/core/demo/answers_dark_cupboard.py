"""Written answers to the dark cupboard question of "Unit 1 check: Cells and energy".

Written for Aula's demo, in the voices of a class of 12-13 year olds. One answer per submitted
attempt: the first 28 are first attempts (in class-list order, absent students left out), the
rest second attempts by the students whose first try was weakest.
"""

from __future__ import annotations

from lms.core.demo.specs import TextAnswer

# "Why did Maya's plant stop growing in the dark cupboard?" (3 points: no light so no
# photosynthesis; photosynthesis makes the plant's food, glucose; no food, no energy or material
# to grow.)
DARK_CUPBOARD = (
    TextAnswer(
        "Because there was no light in the cupboard so it couldnt do photosynthesis. "
        "Photosynthesis is how plants make there food (glucose) so without it the plant had no "
        "energy to grow and make new leaves.",
        3,
        "Excellent: a clear chain from no light to no photosynthesis to no glucose to no growth.",
    ),
    TextAnswer(
        "it didnt get any sunlight",
        1,
        "Right cause. Now explain what the plant uses the light for.",
    ),
    TextAnswer(
        "The plant needs water and sun to grow and it didnt have water",
        0,
        "Maya watered it every day, so water was not the problem. Read the question again.",
    ),
    TextAnswer("Plants need light for photosynthesis. In the dark they cant make glucose.", 2),
    TextAnswer(
        "The plant was sad because it was lonely in the cupboard lol",
        0,
        "Please take the question seriously. Think about what a cupboard is missing.",
    ),
    TextAnswer(
        "No light = no photosynthesis = no food. The plant used up the food it had stored in the "
        "seed and then it couldnt make any more so it stopped growing. The leaves go yellow "
        "because it stops making chlorophyll.",
        3,
    ),
    TextAnswer(
        "because it needs oxygen and the cupboard has no air",
        0,
        "There is air in a cupboard. What else is missing in the dark?",
    ),
    TextAnswer(
        "photosynthesis needs sunlight, carbon dioxide and water to make glucose and oxygen. the "
        "plant couldnt get sunlight",
        2,
        "Good equation knowledge. Finish the chain: why does no glucose mean no growth?",
    ),
    TextAnswer(
        "It stopped growing cos it had no light and it went yellow cos it had no chlorophyll", 1
    ),
    TextAnswer(
        "The plant didn't grow because plants need sunlight to make their own food by "
        "photosynthesis, and food gives them energy to grow. In the dark it ran out of energy.",
        3,
        "Spot on.",
    ),
    TextAnswer("Because of gravity", 0),
    TextAnswer(
        "it was to dark and plants grow towards the light so it didnt know which way to grow",
        1,
        "Plants do bend towards light, but the bigger problem is food. What does light let a "
        "plant make?",
    ),
    TextAnswer("idk", 0),
    TextAnswer(
        "The chlorophyll in the leaves needs light to make food for the plant. No light means no "
        "food, and without food the plant can't make new cells so it stops growing",
        3,
    ),
    TextAnswer(
        "It was cold in the cupboard",
        0,
        "A cupboard is not colder than the room. What is different about it?",
    ),
    TextAnswer("because plants do photosynthesis and they need the sun to do it", 1),
    TextAnswer(
        "The plant stopped growing because it could not photosynthesize without light so it "
        "could not make sugar",
        2,
        "Nearly full marks: link the sugar to the energy the plant needs to grow.",
    ),
    TextAnswer(
        "In the dark the plant cant make glucose. Glucose is used in respiration to release "
        "energy and the plant needs energy to grow so it stopped.",
        3,
    ),
    TextAnswer(
        "the plant got to much water and the roots rotted",
        0,
        "That can happen, but the yellow leaves and the dark cupboard point to something else.",
    ),
    TextAnswer("no sunlight so no photosinthesis", 1),
    TextAnswer(
        "It needs light because light is its food",
        1,
        "Careful: light is not food. The plant uses light energy to MAKE food. Which process?",
    ),
    TextAnswer(
        "Because it was in the dark for to long and plants need the sun to live and grow and make "
        "oxygen for us to breath",
        1,
    ),
    TextAnswer(
        "Plants make food in their leaves using light energy (photosynthesis). Maya's plant had "
        "no light so it made no food. It kept respiring and used up its stores, so there was "
        "nothing left for growth.",
        3,
        "Excellent, and good use of respiration.",
    ),
    TextAnswer(
        "the leaves went yellow",
        0,
        "That describes what happened; the question asks why it happened.",
    ),
    TextAnswer("Plants need CO2, water and light. It didnt have light.", 1),
    TextAnswer(
        "Without light, photosynthesis stops, so the plant doesnt make glucose which is it's food",
        2,
    ),
    TextAnswer(
        "My nan keeps her plants in the window so they grow better. The cupboard has no window",
        1,
        "Your nan is right! Now use the science word: what do plants do with that light?",
    ),
    TextAnswer(
        "The plant couldnt make energy because no light for photosynthesis so it died",
        2,
        "Good idea. Plants make glucose, not energy: the glucose is then used for energy to grow.",
    ),
    # Second attempts.
    TextAnswer(
        "There is no light in the cupboard so the plant can not do photosynthesis. It needs "
        "photosynthesis to make glucose which is its food. Without food it has no energy to grow.",
        3,
        "Much better than your first try!",
    ),
    TextAnswer("it had no light to do photosynthesis so no food", 2),
    TextAnswer(
        "no light so it cant photosynthesise, so it makes no glucose, so no energy for growing "
        "new cells",
        3,
    ),
    TextAnswer(
        "plants need light to make food and food makes them grow",
        2,
        "Right ideas. Name the process (photosynthesis) and the food (glucose) for full marks.",
    ),
    TextAnswer(
        "The plant cant get water in the dark",
        0,
        "Still not it: she watered it. Come and ask me after class.",
    ),
    TextAnswer(
        "Because in the dark there is no light energy and photosynthesis needs light energy to "
        "turn carbon dioxide and water into glucose. The plant uses glucose for energy and to "
        "build new cells so it stopped growing. Its leaves turned yellow because chlorophyll "
        "breaks down in the dark.",
        3,
    ),
    TextAnswer(
        "It didnt get sunlight so it couldnt photosynthesis and it used all its energy up", 2
    ),
    TextAnswer(
        "photosynthesis!!!",
        1,
        "One word is not an explanation. Write it as sentences: what happens, and why.",
    ),
    TextAnswer("no sunlight, no glucose, no growth", 2),
    TextAnswer(
        "The plant stopped growing because it didnt have sun. Plants use sun to make food with "
        "chlorophyll",
        2,
    ),
    TextAnswer("It needed light to photosynthesise to make sugar so it has energy to grow", 3),
    TextAnswer("It stopped growing because there was no light in the cupboard", 1),
    TextAnswer(
        "the plant needs light to make glucose in photosynthesis and with no glucose it can't "
        "respire to get energy for growth",
        3,
        "Perfect.",
    ),
    TextAnswer("it was in a cupboard", 0),
)
