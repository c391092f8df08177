"""Training: the three stages of `stem train`, each in a module of its own.

  trainer.py     open or resume the run record, run the stages in order
  baseline.py    Stage 1: the stem genome on validation
  evolve.py      Stage 2: generations on train (roles, concurrent proposals, the Pareto front)
  maturation.py  Stage 3: validation + hidden test, and the mature cell
  shared.py      options, the reporter protocol, evaluating a genome
"""

from stem.training.shared import TrainOptions, private_literals
from stem.training.trainer import Trainer

__all__ = ["Trainer", "TrainOptions", "private_literals"]
