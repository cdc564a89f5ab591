"""Vocabularies (词表): the labels and defaults the console and other clients read once."""
