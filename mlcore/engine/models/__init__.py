"""One model per module, each with its config dataclass."""
