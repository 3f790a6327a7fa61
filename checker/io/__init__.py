"""Reading the inputs of a check: weight files, the model digest, certificate documents."""
