"""mlcore writes: scoring (feedback), registry (versions), training, teacher review."""
