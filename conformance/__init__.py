"""Conformance suite for Keras-style ModelCheckpoint callbacks."""
