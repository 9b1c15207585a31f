"""LLM-policy training on text envs: policy loading, engines, multi-turn rollouts, losses and the trainer.

Importing this package loads no model (and no torch until a submodule needs it).
"""
