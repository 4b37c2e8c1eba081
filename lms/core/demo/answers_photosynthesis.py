"""Written answers to the essay of "Unit 1 check: Cells and energy", graded with its rubric.

Written for Aula's demo, in the voices of a class of 12-13 year olds. One answer per submitted
attempt, in the same order as `answers_dark_cupboard`: a student's essay sits at the same
position as their answer there.
"""

from __future__ import annotations

from lms.core.demo.specs import essay

# "Compare photosynthesis and cellular respiration." Rubric levels reached on: photosynthesis
# (0-2), respiration (0-2), the link between them (0-2).
PHOTOSYNTHESIS_RESPIRATION = (
    essay(
        "Photosynthesis happens in the chloroplasts of plant cells. The plant takes in carbon "
        "dioxide and water and uses light energy to turn them into glucose and oxygen. "
        "Respiration happens in the mitochondria of all cells, plants and animals. It uses "
        "glucose and oxygen to release energy, and carbon dioxide and water are given off. The "
        "two processes are linked because what comes out of photosynthesis (glucose and oxygen) "
        "is what goes into respiration, and what comes out of respiration (carbon dioxide and "
        "water) goes back into photosynthesis. So they are like a cycle.",
        (2, 2, 2),
        "Excellent: complete, accurate, and the cycle is clearly explained.",
    ),
    essay(
        "photosynthesis is when plants make food with sunlight and respiration is breathing. "
        "plants do photosynthesis and we do respiration",
        (1, 0, 0),
        "Respiration is not breathing: it is a reaction in cells that releases energy from "
        "glucose, and plants do it too.",
    ),
    essay(
        "Photosynthesis: carbon dioxide + water → glucose + oxygen. Respiration: glucose + oxygen "
        "→ carbon dioxide + water. They are opposites.",
        (1, 1, 1),
        "Both word equations are right. Add where each one happens, the energy, and explain why "
        "'opposite' matters.",
    ),
    essay(
        "Photosynthesis is how plants make glucose. They need sunlight, water and carbon dioxide "
        "and it happens in the chloroplasts, oxygen is made as well. Respiration is how living "
        "things get energy from glucose, it needs oxygen and makes carbon dioxide and water. i "
        "think respiration happens in the mitocondria. The oxygen from plants is what we breathe "
        "in.",
        (2, 2, 1),
    ),
    essay(
        "I think plants are boring tbh. my favourite animal is a fox",
        (0, 0, 0),
        "This doesn't answer the question. Please see me: you can redo it.",
    ),
    essay(
        "Both processes are about energy. In photosynthesis, chloroplasts trap light energy and "
        "use it to join carbon dioxide and water into glucose, giving out oxygen. So energy is "
        "stored in glucose. In respiration, which happens in the mitochondria of every living "
        "cell (even plant cells, all the time), glucose reacts with oxygen and the stored energy "
        "is released for the cell to use. Carbon dioxide and water are waste products. "
        "Photosynthesis makes the things respiration needs, and respiration makes the things "
        "photosynthesis needs.",
        (2, 2, 2),
    ),
    essay(
        "Photosynthesis takes in oxygen and gives out carbon dioxide and respiration takes in "
        "carbon dioxide and gives out oxygen. Plants do photosynthesis in the day and respiration "
        "at night.",
        (0, 0, 0),
        "You have swapped the gases: photosynthesis takes IN carbon dioxide. And plants respire "
        "all the time, not only at night.",
    ),
    essay(
        "Photosynthesis needs sunlight, carbon dioxide and water to make glucose and oxygen. It "
        "happens in the chloroplast. Respiration needs glucose and oxygen and makes carbon "
        "dioxide, water and energy. It happens in the mitochondria. They are connected.",
        (2, 2, 1),
        "Very accurate. 'They are connected' needs explaining: how exactly?",
    ),
    essay(
        "Photosynthesis is in leaves and makes oxygen. Respiration is when you breath in oxygen "
        "and breath out carbon dioxide.",
        (1, 0, 0),
    ),
    essay(
        "Photosynthesis happens in plants in the chloroplasts. It uses light, CO2 and water to "
        "make glucose and O2. Respiration happens in mitochondria in animals and plants and uses "
        "glucose and O2 to give energy plus CO2 and water. The glucose made in photosynthesis is "
        "used in respiration.",
        (2, 2, 1),
        "Very good. For the last mark, show that the link works both ways.",
    ),
    essay(
        "Photosynthesis is a type of rock that forms when lava cools down. Respiration is when "
        "animals sweat.",
        (0, 0, 0),
    ),
    essay(
        "photosynthesis is when the plant uses sunlight to make its food and it gives off oxygen "
        "which is good for the planet. respiration is what humans and animals do to get energy. "
        "i dont really know where they happen in the cell",
        (1, 1, 0),
        "Honest! Chloroplasts and mitochondria are the places to learn. A good start.",
    ),
    essay("dont know", (0, 0, 0)),
    essay(
        "In photosynthesis a plant uses light energy absorbed by chlorophyll in its chloroplasts "
        "to change carbon dioxide and water into glucose. Oxygen is released as a waste product. "
        "Respiration happens in the mitochondria of plant and animal cells. Glucose and oxygen "
        "react and energy is released that the cell uses for growing, moving and keeping warm. "
        "Carbon dioxide and water are released. You could say respiration is the reverse of "
        "photosynthesis, because the reactants of one are the products of the other, so the "
        "gases cycle between plants and animals.",
        (2, 2, 2),
    ),
    essay(
        "Photosynthesis makes food and respiration uses the food. They are the opposite of each "
        "other.",
        (1, 0, 1),
        "Correct in outline but far too short: what goes in and out, and where?",
    ),
    essay(
        "photosynthesis happens in the chloroplasts, respiration happens in the mitochondria. "
        "photosynthesis makes glucose. respiration uses glucose.",
        (1, 1, 1),
    ),
    essay(
        "Photosynthesis: the plant takes carbon dioxide from the air and water from the soil and "
        "with energy from the sun makes glucose and oxygen in the chloroplasts. Respiration: "
        "glucose and oxygen make carbon dioxide and water and release energy, in mitochondria. "
        "Animals need plants for oxygen and food.",
        (2, 2, 1),
        "Strong. For the link: respiration also gives plants the carbon dioxide they need.",
    ),
    essay(
        "Photosynthesis and respiration are like two halves of a cycle. Photosynthesis (in "
        "chloroplasts, only in green plants and algae) stores light energy in glucose: 6CO2 + "
        "6H2O → C6H12O6 + 6O2. Respiration (in mitochondria, in nearly every living cell) "
        "releases that energy: C6H12O6 + 6O2 → 6CO2 + 6H2O + energy. The oxygen and glucose "
        "made by plants are used by respiration, and the carbon dioxide and water from "
        "respiration are used again by photosynthesis.",
        (2, 2, 2),
    ),
    essay(
        "Plants need photosynthesis and humans need respiration. Without plants we wouldnt have "
        "oxygen. Trees are very important and we should stop cutting down the rainforest.",
        (1, 0, 0),
        "True about the rainforest, but the question asks you to compare the two processes.",
    ),
    essay(
        "photosynthesis = CO2 + water + light -> glucose + oxygen (chloroplast). respiration = "
        "glucose + oxygen -> CO2 + water + energy (mitochondria).",
        (2, 2, 0),
    ),
    essay(
        "Photosynthesis uses light as food for the plant. The plant eats the light and makes "
        "oxygen. Respiration is how we breathe. We breathe out carbon dioxide and the plant "
        "breathes it in.",
        (1, 0, 1),
        "Plants don't eat light: they use its energy to make glucose. Respiration happens inside "
        "cells, not just in the lungs.",
    ),
    essay(
        "Photosynthesis and respiration are both processes. Photosynthesis is done by plants and "
        "respiration is done by animals. Photosynthesis is important because it makes oxygen.",
        (1, 0, 0),
    ),
    essay(
        "Photosynthesis takes place in chloroplasts. Carbon dioxide and water are turned into "
        "glucose and oxygen using light energy from the Sun. Respiration takes place in "
        "mitochondria in both plant and animal cells, and goes on all the time. It breaks "
        "glucose down using oxygen to release energy, and makes carbon dioxide and water. The "
        "two are linked: a plant's own respiration uses some of the glucose and oxygen it made, "
        "and in the day photosynthesis uses up the CO2 that respiration releases. Overall the "
        "two processes keep the carbon dioxide and oxygen in the air balanced.",
        (2, 2, 2),
        "Outstanding, especially the point that plants respire too.",
    ),
    essay(
        "photosynthesis is green and respiration is red because blood",
        (0, 0, 0),
        "I'm not sure what you mean here. Let's go through it together.",
    ),
    essay(
        "Photosynthesis needs carbon dioxide water and light and makes glucose. Respiration needs "
        "glucose and makes energy.",
        (1, 1, 0),
    ),
    essay(
        "In photosynthesis the plant makes glucose and oxygen from CO2 and water using sunlight, "
        "in the chloroplasts. In respiration glucose and oxygen are used to release energy, and "
        "CO2 and water are made. This happens in the mitochondria. So the products of "
        "photosynthesis are the reactants of respiration.",
        (2, 2, 1),
    ),
    essay(
        "Photosynthesis is when plants make food, my nan says talking to plants helps them do "
        "it. Respiration is when you breathe really fast after running",
        (1, 0, 0),
        "Respiration happens in all your cells all the time, not only when you run. Nice to hear "
        "about your nan though!",
    ),
    essay(
        "Photosynthesis makes energy from the sun in the chloroplasts. Respiration makes energy "
        "from food in the mitochondria. Photosynthesis gives out oxygen and respiration uses it "
        "up.",
        (1, 1, 1),
        "The places are right. Energy is not 'made': photosynthesis stores it in glucose and "
        "respiration releases it.",
    ),
    # Second attempts.
    essay(
        "Photosynthesis happens in chloroplasts. Plants take in carbon dioxide and water and use "
        "light energy to make glucose, and give out oxygen. Respiration happens in the "
        "mitochondria of all living cells including plants. Glucose and oxygen are used to "
        "release energy and carbon dioxide and water are made. The products of photosynthesis "
        "are used in respiration and the products of respiration are used in photosynthesis.",
        (2, 2, 2),
        "Full marks this time. Well done for revising.",
    ),
    essay(
        "Photosynthesis: in chloroplasts, carbon dioxide + water (+ light) make glucose + "
        "oxygen. Respiration: in mitocondria, glucose + oxygen release energy and make carbon "
        "dioxide + water. They are opposite.",
        (2, 2, 1),
    ),
    essay(
        "Plants do photosynthesis to make glucose using light, water and carbon dioxide and they "
        "give out oxygen. All living things do respiration, even plants, to get energy out of "
        "glucose using oxygen. Respiration gives out carbon dioxide which the plants use again. "
        "It happens in the mitochondria and photosynthesis in the chloroplasts.",
        (2, 2, 1),
    ),
    essay(
        "photosynthesis is when a plant makes glucose from sunlight. respiration is breathing in "
        "oxygen and breathing out carbon dioxide, plants do it at night",
        (1, 0, 0),
        "Still mixing respiration up with breathing. Respiration is the reaction in the "
        "mitochondria that releases energy from glucose.",
    ),
    essay(
        "Photosynthesis: CO2 + water → glucose + oxygen, with light, in chloroplasts. "
        "Respiration: glucose + oxygen → CO2 + water + energy, in mitochondria.",
        (2, 2, 0),
        "Both processes correct; you left out the link between them.",
    ),
    essay(
        "I learned that photosynthesis is how plants store the sun's energy in glucose. It "
        "happens in chloroplasts and uses carbon dioxide and water, giving off oxygen. "
        "Respiration, in mitochondria, is how all cells release that energy, using oxygen and "
        "giving off carbon dioxide and water. The oxygen we breathe comes from photosynthesis "
        "and the carbon dioxide plants need comes from respiration, so each one feeds the other.",
        (2, 2, 2),
    ),
    essay(
        "Photosynthesis uses light to make glucose and oxygen from carbon dioxide and water. "
        "Respiration uses glucose and oxygen to release energy. One makes what the other uses.",
        (1, 1, 2),
    ),
    essay(
        "photosynthesis happens in the leafs and respiration happens in the lungs",
        (1, 0, 0),
        "Respiration happens in every cell, not just the lungs. You can write much more than one "
        "line.",
    ),
    essay(
        "Photosynthesis needs carbon dioxide, water and sunlight and it makes glucose and oxygen. "
        "It happens in the chloroplasts. Respiration needs glucose and oxygen and it releases "
        "energy and makes carbon dioxide and water. It happens in the mitochondria. Plants and "
        "animals both respire.",
        (2, 2, 0),
    ),
    essay(
        "Photosynthesis is in chloroplasts and makes glucose and oxygen. Respiration is in "
        "mitochondria and uses glucose and oxygen. So respiration uses what photosynthesis makes.",
        (1, 1, 1),
    ),
    essay(
        "Photosynthesis and respiration are the opposite reactions. In photosynthesis plants use "
        "light energy in their chloroplasts to make glucose and oxygen from carbon dioxide and "
        "water. In respiration, cells (in mitochondria) use glucose and oxygen and release "
        "energy, making carbon dioxide and water. The carbon dioxide that animals and plants "
        "breathe out gets used in photosynthesis, and the oxygen plants make gets used in "
        "respiration, so they keep going round in a cycle.",
        (2, 2, 2),
    ),
    essay(
        "Photosynthesis is how plants get there food, they need light. Respiration gives energy "
        "to cells. I forgot the rest sorry",
        (1, 1, 0),
    ),
    essay(
        "Photosynthesis: chloroplasts use light energy to turn CO2 and H2O into glucose and O2. "
        "Respiration: mitochondria use glucose and O2 to release energy, making CO2 and H2O. The "
        "reactants of each are the products of the other, so together they cycle carbon and "
        "oxygen between living things and the air.",
        (2, 2, 2),
        "Perfect: concise and complete.",
    ),
    essay("Volcanoes erupt when magma comes up through the crust.", (0, 0, 0)),
)
