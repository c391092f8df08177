"""Evolution: prompt assembly, scars, the elite archive and the three-stage training loop."""
