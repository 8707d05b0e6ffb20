"""A minimal, framework-free ModelCheckpoint that defines the specification.

``ModelCheckpoint`` follows the ``keras2`` profile of SPEC.md (the API page and
the Keras 2 line); ``Keras3ModelCheckpoint`` follows the ``keras3`` profile.
"""

from reference_impl.callback import ModelCheckpoint
from reference_impl.keras3 import Keras3ModelCheckpoint

__all__ = ["Keras3ModelCheckpoint", "ModelCheckpoint"]
