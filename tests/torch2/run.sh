#!/bin/sh
# run.sh [ROOT]: nninit's torch-exact suite against PyTorch 2.6 on Debian 13.
#
# Makes (or reuses) a Debian 13 root with make-root.sh (default ROOT:
# build-trixie/root in the source tree, which git ignores), builds nninit
# inside it with Debian 13's compiler and C library, and runs there
#   tests/py/torch_exact.py      every nn.init function, dtype and module
#                                default, under ATEN_CPU_CAPABILITY=avx2,
#                                =default and unset (the machine's choice)
#   tests/py/test_model_torch.py whole models through `nninit init`, once per
#                                capability, its safetensors files also read
#                                by Debian's safetensors package
#   tests/py/test_torch_modules.py  every module kind and option against
#                                PyTorch's own construction, once per capability
#   tests/py/test_llm_torch.py   --preset gpt2 against nanoGPT's GPT and
#                                --preset llama against a Hugging Face Llama,
#                                once per capability
# each passing the --torch-version of the PyTorch it finds (2.6). The host's
# own `ctest` runs the same two files against the host's PyTorch.
#
# Needs root (chroot, mounts). Prints the time each step took. Exit status:
# 0 when everything passed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
root=${1:-$top/build-trixie/root}
jobs=$(nproc 2>/dev/null || echo 2)

now() { date +%s; }
t0=$(now)
"$here/make-root.sh" "$root"
t1=$(now)
echo "torch2: root ready in $((t1 - t0)) s ($root)"

. "$here/mounts.sh"
trap 'root_umount "$root"' EXIT
trap 'exit 1' INT TERM HUP
root_mount "$root"
root_bind "$top" "$root/nninit/src" ro

# in the root: a fresh environment, Debian's python3 and tools
inroot() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LC_ALL=C.UTF-8 OMP_NUM_THREADS=1 "$@"
}

inroot cmake -S /nninit/src -B /nninit/build -DCMAKE_BUILD_TYPE=Release \
    -DNNINIT_PYTHON=/usr/bin/python3 >/dev/null
inroot cmake --build /nninit/build -j "$jobs" --target nninit_cli \
    torch_exact_driver >/dev/null
t2=$(now)
echo "torch2: nninit built in $((t2 - t1)) s ($(inroot /usr/bin/ldd --version | head -n 1))"

bin=/nninit/build/nninit
status=0
inroot NNINIT_TORCH_DRIVER=/nninit/build/tests/torch_exact_driver \
    /usr/bin/python3 /nninit/src/tests/py/torch_exact.py "$bin" || status=1
t3=$(now)
echo "torch2: torch_exact.py in $((t3 - t2)) s"
for cap in avx2 default ""; do
    echo "torch2: test_model_torch.py, test_torch_modules.py, test_llm_torch.py, ATEN_CPU_CAPABILITY=${cap:-unset}"
    inroot ${cap:+ATEN_CPU_CAPABILITY=$cap} NNINIT_NEED_SAFETENSORS=1 \
        /usr/bin/python3 /nninit/src/tests/py/test_model_torch.py "$bin" ||
        status=1
    inroot ${cap:+ATEN_CPU_CAPABILITY=$cap} \
        /usr/bin/python3 /nninit/src/tests/py/test_torch_modules.py "$bin" ||
        status=1
    inroot ${cap:+ATEN_CPU_CAPABILITY=$cap} \
        /usr/bin/python3 /nninit/src/tests/py/test_llm_torch.py "$bin" ||
        status=1
done
t4=$(now)
echo "torch2: test_model_torch.py, test_torch_modules.py, test_llm_torch.py x3 in $((t4 - t3)) s"
if [ "$status" -eq 0 ]; then
    echo "torch2: all passed against PyTorch 2.6 ($((t4 - t0)) s in all)"
else
    echo "torch2: FAILED (see above)"
fi
exit "$status"
