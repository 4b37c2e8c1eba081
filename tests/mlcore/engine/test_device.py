import random

import numpy as np
import torch

from mlcore.engine.device import autocast, default_device, seed_everything


def test_default_device_honours_preference() -> None:
    assert default_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert default_device().type == expected


def test_autocast_is_a_no_op_on_cpu() -> None:
    a = torch.randn(4, 4)
    with autocast(torch.device("cpu")):
        out = a @ a
    assert out.dtype == torch.float32
    assert torch.equal(out, a @ a)


def test_seed_everything_repeats_all_generators() -> None:
    def draw() -> tuple[float, float, torch.Tensor]:
        return random.random(), float(np.random.rand()), torch.rand(3)

    seed_everything(7)
    first = draw()
    seed_everything(7)
    second = draw()
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])
