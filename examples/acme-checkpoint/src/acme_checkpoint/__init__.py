"""ACME's checkpoint callback: Keras-style checkpointing for ACME's training loop."""

from acme_checkpoint.callback import AcmeCheckpoint, AcmeCheckpointWarning

__all__ = ["AcmeCheckpoint", "AcmeCheckpointWarning"]
