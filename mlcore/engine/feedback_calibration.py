"""Where `feedback.DEFAULT_COVERAGE_THRESHOLD` comes from.

The data below was written for this purpose only (the feedback tests use other questions): twelve
questions from school subjects, three key points each, and five or six answers per question of the
kinds teachers see: complete answers in the student's own words, partial ones, misconceptions on
the right topic, off-topic text, bullet lists and run-on sentences. Each answer is labelled with
the key points it covers. Every (key point, answer) pair is one example; its score is the best
similarity `key_point_coverage` finds for that key point in that answer.

The threshold is where a logistic regression of the label on the score, with both classes
weighted equally, gives even odds. Picking the cut with the best balanced accuracy directly was
tried first and rejected: that curve is flat between 0.55 and 0.63 on this data, so its argmax
jumped with tiny numeric differences (the torch and ONNX encoders chose 0.55 and 0.62), while the
logistic fit gives 0.54 for both. Balanced accuracy (the mean of the rates of covered and not
covered pairs recognised) is reported at that threshold, and leave-one-question-out balanced
accuracy shows how well the choice carries to a question it has not seen.

    python -m mlcore.engine.feedback_calibration [--encoder torch]   # prints the fit as JSON
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from mlcore.engine.encoders import TextEncoder, get_encoder
from mlcore.engine.feedback import key_point_coverage


@dataclass(frozen=True)
class Question:
    key_points: tuple[str, ...]
    #: (answer, indices of the key points it covers)
    answers: tuple[tuple[str, frozenset[int]], ...]


def _q(key_points: Sequence[str], *answers: tuple[str, Sequence[int]]) -> Question:
    return Question(tuple(key_points), tuple((a, frozenset(c)) for a, c in answers))


QUESTIONS: tuple[Question, ...] = (
    _q(
        [
            "Cellular respiration breaks down glucose using oxygen.",
            "It releases energy that the cell stores as ATP.",
            "Carbon dioxide and water are produced as waste products.",
        ],
        (
            "In respiration the cell burns sugar with oxygen. The energy released is captured in "
            "ATP molecules, and CO2 and water come out as by-products.",
            [0, 1, 2],
        ),
        ("Glucose gets broken down with O2 inside the mitochondria to make ATP.", [0, 1]),
        ("Respiration is when we breathe in air and breathe it out again with our lungs.", []),
        ("the waste is carbon dioxide and water which we breathe out", [2]),
        ("Plants make their own food using sunlight in the leaves.", []),
    ),
    _q(
        [
            "The assassination of Archduke Franz Ferdinand triggered the war.",
            "Alliances between the great powers pulled many countries into the conflict.",
            "Militarism and an arms race made war more likely.",
        ],
        (
            "The spark was the murder of Franz Ferdinand in Sarajevo in 1914. Because of the "
            "alliance system, Russia, Germany, France and Britain were dragged in one after the "
            "other. Countries had also been building up huge armies and navies for years.",
            [0, 1, 2],
        ),
        ("- Franz Ferdinand was shot\n- countries had promised to defend each other", [0, 1]),
        ("The war started because Hitler invaded Poland.", []),
        ("Germany and Britain were competing to build the biggest navy and armies grew.", [2]),
        ("It was a very long war with lots of trenches and many soldiers died.", []),
    ),
    _q(
        [
            "When supply decreases and demand stays the same, the price rises.",
            "Higher prices lead consumers to buy less of the good.",
            "The market moves to a new equilibrium price and quantity.",
        ],
        (
            "If there is less of the product but people still want the same amount, it gets more "
            "expensive. At the higher price some buyers stop buying, until supply and demand "
            "balance again at a new equilibrium.",
            [0, 1, 2],
        ),
        ("A shortage pushes the price up.", [0]),
        ("When the price goes up people buy fewer of them", [1]),
        ("Supply is how much the shops have and demand is what people want.", []),
        ("The government sets prices so that everybody can afford food.", []),
    ),
    _q(
        [
            "The Earth's crust is divided into tectonic plates.",
            "The plates move slowly on the mantle beneath them.",
            "Earthquakes and volcanoes happen mostly at plate boundaries.",
        ],
        (
            "The outer layer of the Earth is broken into large pieces called plates that drift a "
            "few centimetres a year over the mantle. Most earthquakes and volcanoes are found "
            "where these plates meet.",
            [0, 1, 2],
        ),
        ("Volcanoes are found along the edges of plates, like the Ring of Fire.", [2]),
        ("Earthquakes happen when the weather is very hot and the ground dries and cracks.", []),
        ("the crust is made of plates and they slide around on the hot mantle very slowly", [0, 1]),
        ("I like geography but this question was hard.", []),
    ),
    _q(
        [
            "A vaccine contains a weakened, dead or partial form of a pathogen.",
            "It makes the immune system produce antibodies and memory cells.",
            "On later infection the body responds quickly and the person does not get ill.",
        ],
        (
            "Vaccines have a harmless version of the germ. The immune system reacts by making "
            "antibodies and memory cells, so if the real disease comes the body fights it off "
            "fast before you get sick.",
            [0, 1, 2],
        ),
        ("It trains your immune system to make antibodies against the virus.", [1]),
        ("Vaccines are antibiotics that kill the bacteria in your blood.", []),
        (
            "they inject a dead virus. later if you catch it your body already knows it and "
            "you dont get ill",
            [0, 2],
        ),
        ("My little brother cried when he had his injection.", []),
    ),
    _q(
        [
            "In a right-angled triangle the square of the hypotenuse equals the sum of the "
            "squares of the other two sides.",
            "The hypotenuse is the longest side, opposite the right angle.",
            "It can be used to find a missing side length.",
        ],
        (
            "a squared plus b squared equals c squared, where c is the longest side across from "
            "the 90 degree angle. You use it to work out an unknown side.",
            [0, 1, 2],
        ),
        ("You can calculate the length of a side you don't know.", [2]),
        ("The angles of a triangle always add up to 180 degrees.", []),
        ("The hypotenuse is the side opposite the right angle and it is the longest.", [1]),
        ("Pythagoras was a Greek philosopher who lived on Samos.", []),
    ),
    _q(
        [
            "Greenhouse gases such as carbon dioxide trap heat in the atmosphere.",
            "Burning fossil fuels increases the amount of carbon dioxide in the air.",
            "The extra trapped heat raises the Earth's average temperature.",
        ],
        (
            "When we burn coal, oil and gas we add CO2 to the air. CO2 and other greenhouse gases "
            "stop heat escaping to space, so the planet gets warmer on average.",
            [0, 1, 2],
        ),
        ("Global warming is caused by the hole in the ozone layer letting the sun in.", []),
        ("cars and factories burn fuel which puts more carbon dioxide in the air", [1]),
        ("The climate has changed before, for example in the ice ages.", []),
        (
            "Gases like CO2 and methane hold in the heat like a blanket; that warms the Earth.",
            [0, 2],
        ),
    ),
    _q(
        [
            "The French monarchy was deeply in debt and taxes fell heavily on the poor.",
            "Enlightenment ideas about liberty and equality spread among the people.",
            "Food shortages and high bread prices caused anger among ordinary people.",
        ],
        (
            "France was bankrupt after its wars and the nobles and clergy paid almost no tax, so "
            "the burden was on the common people. Writers like Rousseau spread ideas of freedom "
            "and equal rights. Bad harvests made bread too expensive and people were hungry.",
            [0, 1, 2],
        ),
        ("People were starving because bread cost too much after poor harvests.", [2]),
        ("The revolution started when Napoleon became emperor.", []),
        (
            "the king spent too much money and the peasants had to pay all the taxes while "
            "philosophers said all men are equal and free",
            [0, 1],
        ),
        ("The Eiffel Tower was built for a world fair in Paris.", []),
    ),
    _q(
        [
            "In a series circuit the same current flows through every component.",
            "In a parallel circuit the current splits between the branches.",
            "If one bulb breaks in series all go out, but in parallel the others stay lit.",
        ],
        (
            "Series has one path so the current is the same everywhere, while parallel has "
            "several branches and the current divides between them. When a bulb blows in series "
            "the whole circuit stops, but in parallel the other bulbs keep working.",
            [0, 1, 2],
        ),
        ("In parallel, the current is shared out among the different branches.", [1]),
        ("Electricity is made in power stations and comes to our houses through cables.", []),
        ("In series the current is used up by each bulb so the last bulb is dimmest.", []),
        ("if one lamp breaks in a series circuit everything turns off", [2]),
    ),
    _q(
        [
            "Osmosis is the movement of water across a partially permeable membrane.",
            "Water moves from a dilute solution to a more concentrated solution.",
            "It is passive and needs no energy from the cell.",
        ],
        (
            "Osmosis is water diffusing through a semi-permeable membrane, from where there is "
            "more water (a weak solution) to where there is less (a strong solution). The cell "
            "does not spend energy on it.",
            [0, 1, 2],
        ),
        ("Water goes through the cell membrane.", [0]),
        ("Osmosis is when the cell uses ATP to pump sugar in.", []),
        ("It doesn't need any energy, it happens by itself.", [2]),
        ("Salt water tastes horrible and you shouldn't drink it.", []),
    ),
    _q(
        [
            "Power is separated into legislative, executive and judicial branches.",
            "Each branch can check and limit the others.",
            "This prevents any one person or group from holding too much power.",
        ],
        (
            "The government is split into the parliament that makes laws, the executive that "
            "carries them out, and the courts that judge. They keep an eye on each other so no "
            "single person can become a dictator.",
            [0, 1, 2],
        ),
        ("It stops one person from having all the power.", [2]),
        ("Democracy means people vote for their leaders every few years.", []),
        ("The courts can block the president and parliament can remove him", [1]),
        ("My favourite subject is history.", []),
    ),
    _q(
        [
            "The right side of the heart pumps blood to the lungs.",
            "In the lungs the blood picks up oxygen and gets rid of carbon dioxide.",
            "The left side pumps oxygenated blood to the rest of the body.",
        ],
        (
            "Blood from the body enters the right side of the heart, which sends it to the lungs. "
            "There it takes in oxygen and releases CO2. It comes back to the left side and is "
            "pumped out to all the organs through the aorta.",
            [0, 1, 2],
        ),
        ("Blood collects oxygen in the lungs and drops off carbon dioxide.", [1]),
        ("The heart is a muscle in the chest that beats about 70 times a minute.", []),
        ("The blood goes from the heart to the brain and the brain pumps it back.", []),
        (
            "- right ventricle sends blood to lungs\n- left ventricle sends it round the body",
            [0, 2],
        ),
    ),
)


def coverage_examples(encoder: TextEncoder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best similarity, label (covered or not) and question index of every pair."""
    scores, labels, groups = [], [], []
    for q_index, question in enumerate(QUESTIONS):
        for answer, covered in question.answers:
            for k, row in enumerate(key_point_coverage(answer, question.key_points, encoder)):
                scores.append(row["similarity"])
                labels.append(k in covered)
                groups.append(q_index)
    return np.array(scores), np.array(labels), np.array(groups)


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The similarity at which a class-balanced logistic fit of label on score gives even odds."""
    fit = LogisticRegression(class_weight="balanced", C=1e6).fit(scores[:, None], labels)
    return float(-fit.intercept_[0] / fit.coef_[0, 0])


def balanced_accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    return float((predicted[labels].mean() + (~predicted[~labels]).mean()) / 2)


def calibrate(encoder: TextEncoder) -> dict[str, float | int]:
    """Fit the threshold on all questions and estimate it by leaving one question out."""
    scores, labels, groups = coverage_examples(encoder)
    threshold = best_threshold(scores, labels)
    held_out = np.zeros(len(scores), dtype=bool)
    for g in np.unique(groups):
        out = groups == g
        held_out[out] = scores[out] >= best_threshold(scores[~out], labels[~out])
    return {
        "threshold": round(threshold, 3),
        "pairs": len(scores),
        "covered_pairs": int(labels.sum()),
        "balanced_accuracy": round(balanced_accuracy(scores >= threshold, labels), 3),
        "leave_one_question_out_balanced_accuracy": round(balanced_accuracy(held_out, labels), 3),
        "mean_similarity_covered": round(float(scores[labels].mean()), 3),
        "mean_similarity_not_covered": round(float(scores[~labels].mean()), 3),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlcore.engine.feedback_calibration")
    parser.add_argument("--encoder", choices=["onnx", "torch"], default="onnx")
    args = parser.parse_args(argv)
    print(json.dumps(calibrate(get_encoder(args.encoder)), indent=2))


if __name__ == "__main__":
    main()
