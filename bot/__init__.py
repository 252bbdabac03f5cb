"""Python the Rasa server loads: custom NLU components and channels, one per file."""
