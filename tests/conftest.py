import os

# Keep every test single-threaded and headless: CI machines have 2 cores and no screen.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def smollm2_tokenizer():
    """The embedded SmolLM2's tokenizer (from the converted-model cache when there is one)."""
    from transformers import AutoTokenizer

    from agentgym.trainers.llm.models import cache_dir, embedded_model_path

    gguf = embedded_model_path()
    root = cache_dir()
    converted = sorted((root / "models").glob(f"{gguf.stem}-*/tokenizer.json")) if root is not None else []
    if converted:
        return AutoTokenizer.from_pretrained(converted[0].parent)
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory, smollm2_tokenizer):
    """A randomly initialized two-layer Llama with SmolLM2's tokenizer, saved as a local HF folder (fast policy)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = smollm2_tokenizer
    folder = tmp_path_factory.mktemp("tiny_lm")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, intermediate_size=64, max_position_embeddings=4096,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _require_docker() -> None:
    """Skip a Docker test where no engine runs, except in CI, where a missing engine is a failure."""
    from agentgym.envs.swe.sandbox import docker_available, docker_client

    if docker_available():
        return
    if os.environ.get("CI"):
        docker_client()  # raises DockerUnavailableError, with how to start one
    pytest.skip("no Docker engine (CI installs and starts one; see .ci/run)")


@pytest.fixture(scope="session")
def swe_images():
    """Every SWE repo image, built (or found cached) once per session: {repo: tag}."""
    _require_docker()
    from agentgym.envs.swe import images

    return images.build_all()
