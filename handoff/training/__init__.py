"""Training jobs, model versions, the evaluation gate and hot swap of the live model."""
