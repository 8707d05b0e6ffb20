"""A minimal, framework-free ModelCheckpoint that defines the specification."""

from reference_impl.callback import ModelCheckpoint

__all__ = ["ModelCheckpoint"]
