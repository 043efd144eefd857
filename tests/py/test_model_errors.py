"""Bad input and failures, as users meet them: every malformed description
and corrupt checkpoint gets one line on stderr naming the problem (with
file:line:column for descriptions), exit status 2, no output file, and an
existing output left byte for byte as it was. Write failures (missing or
read-only directory, a file-size limit, a full filesystem, SIGINT, SIGKILL
mid-write) never leave a partial file under the output name."""
import os
import resource
import signal
import struct
import subprocess
import time

import numpy as np

from modelfiles import write_gguf, write_safetensors
from nninit_py import BIN, TMP, check, finish, path, run, spec

OLD = b"old bytes that must survive\n"


def refused(args, want, code=2, name="out.safetensors"):
    """Run init with an existing output; it must fail with `code`, one line
    containing `want`, and leave the output and the directory as they were."""
    out = path(name)
    with open(out, "wb") as f:
        f.write(OLD)
    before = sorted(os.listdir(TMP))
    c, so, se = run("init", *args, "-o", out, check=False)
    lines = se.strip().split("\n")
    check(c == code, f"{args}: exit {c}, expected {code} ({se.strip()})")
    check(len(lines) == 1 and lines[0].startswith("nninit: ") and want in lines[0],
          f"{args}: message {se.strip()!r} lacks {want!r}")
    check(open(out, "rb").read() == OLD, f"{args}: existing output changed")
    check(sorted(os.listdir(TMP)) == before, f"{args}: left files behind")
    return lines[0]


# --- descriptions ------------------------------------------------------------------
cases = [
    ("layers:\n  - {name: fc, type: linear, in: 10, out: [}\n", "bad.yaml:2:44: "),
    ("layers:\n  - {name: fc, type: lineer, in: 1, out: 2}\n", "unknown layer type 'lineer'"),
    ("layers:\n  - {name: fc, type: linear, in: 1, out: 2, activation: relux}\n",
     "bad.yaml:2:57: unknown activation 'relux'"),
    ("layers:\n  - {name: fc, type: linear, in: 1, out: 2, init: he_unform}\n",
     "unknown initializer 'he_unform'"),
    ("layers:\n  - {name: fc, type: linear, in: 1, out: 2}\n  - {name: fc, type: linear, "
     "in: 2, out: 2}\n", "bad.yaml:3:5: duplicate layer name 'fc'"),
    ("layers:\n  - {name: fc, type: linear, out: 2}\n", "missing 'in'"),
    ("layers:\n  - {name: fc, type: linear, in: 0, out: 2}\n", "bad.yaml:2:34: in must be a "
     "positive integer (got 0)"),
    ("layers:\n  - {name: fc, type: linear, in: -3, out: 2}\n", "(got -3)"),
    ("layers:\n  - {name: fc, type: linear, in: 123456789012345678901234, out: 2}\n",
     "in overflows"),
    ("layers:\n  - {name: e, type: embedding, num: 4611686018427387904, dim: 4}\n", "2^62"),
    ("layers:\n  - {name: c, type: conv2d, in: 3, out: 4, kernel: [3, 0]}\n",
     "kernel must be a positive integer (got 0)"),
    ("layers:\n  - {name: c, type: conv2d, in: 3, out: 4, kernel: 3, groups: 2}\n",
     "divisible by groups"),
    ("layers:\n  - {name: r, type: lstm, in: 3, hidden: 4, proj_size: 9}\n", "proj_size"),
    ("layers:\n  - {name: r, type: rnn, in: 3, hidden: 4, nonlinearity: gelu}\n",
     "nonlinearity must be tanh or relu"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4, init: eye}\n"
     "rules:\n  - {match: 'fc.bias', init: orthogonal}\n", "fc.bias: orthogonal"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4, init: normal, gain: 2}\n",
     "normal does not take gain"),
    ("layers: 3\n", "layers must be a list"),
    ("\t- bad\n", "bad.yaml:1:1: "),
    # places, ties and scalings
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4, role: attn_outt}\n",
     "bad.yaml:2:51: unknown role 'attn_outt' (did you mean attn_out?)"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4, role: attn_qkv}\n",
     "role attn_qkv needs q, k and v stacked: out (4) divisible by 3"),
    ("layers:\n  - {name: h, stack: encoder, layers: [{name: fc, type: linear, in: 3, out: 4}]}\n",
     "bad.yaml:2:22: stack: needs repeat: N"),
    ("layers:\n  - {name: h, repeat: 2, stack: middle, layers: [{name: fc, type: linear, in: 3, "
     "out: 4}]}\n", "unknown stack 'middle'"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\n  - {name: head, type: linear, in: 4, "
     "out: 3, tie: fc}\n", "its weight (3, 4) cannot be fc.weight's (4, 3)"),
    ("layers:\n  - {name: head, type: linear, in: 4, out: 3, tie: wte}\n",
     "tie names no earlier layer 'wte'"),
    ("layers:\n  - {name: e, type: embedding, num: 3, dim: 4}\n  - {name: head, type: linear, "
     "in: 4, out: 3, bias: false, tie: e, init: normal}\n", "of its own (its weight is tied"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\nscaling: deepnett\n",
     "bad.yaml:3:10: unknown scaling 'deepnett' (did you mean deepnet?)"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\nscaling: {name: torchtitan, "
     "depth_init: maybe}\n", "depth_init must be false or true (got 'maybe')"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\nscaling: [gpt2, {readout: zero}]\n",
     "a scaling needs name:"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\nscaling: mup\n",
     "mup needs base shapes"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4}\nbase_shapes: b.bsh\n",
     "b.bsh:2:1: fc.bias: base shape has 2 dimensions, the tensor (4,)"),
    ("layers:\n  - {name: fc, type: linear, in: 3, out: 4, role: attn_out}\nscaling: gpt2\n",
     "gpt2: fc.weight has role attn_out but is in no stack of blocks"),
    ("layers:\n  - {name: h, repeat: 2, layers: [{name: fc, type: linear, in: 3, out: 4, "
     "role: ffn_in}]}\nscaling: t_fixup\n", "tag each repeated block stack: encoder"),
    ("layers:\n  - {name: c, type: conv2d, in: 3, out: 8, kernel: 3}\nscaling: zero_init\n",
     "zero_init: c.weight grows its channels (3 -> 8)"),
]
with open(path("b.bsh"), "w") as f:
    f.write("fc.weight: [null, 2]\nfc.bias: [1, 2]\n")
for text, want in cases:
    refused([spec("bad.yaml", text)], want)
js = spec("bad.json", '{"layers": [{"name": "fc", "type": "linear", "in": 3, "out": 4}}')
refused([js], "bad.json:1:")
refused([path("missing.yaml")], "cannot open", code=1)
refused([spec("bad.yaml", "layers:\n  - {name: fc, type: linear, in: 3, out: 4}\n"
              "base_shapes: nothere.yaml\n")], "bad.yaml:3:14: base_shapes: cannot open",
        code=1)
refused(["model.txt"], "MODEL must be")
# a description whose base model names base shapes itself (here: its own
# file, which would recurse without end) is refused
refused([spec("loop.yaml", "layers:\n  - {name: fc, type: linear, in: 3, out: 4}\n"
              "base_shapes: loop.yaml\n")],
        "base_shapes in the base model's description")
# a rule that matches nothing is a warning, not an error
ok = spec("ok.yaml", "layers:\n  - {name: fc, type: linear, in: 3, out: 4}\n"
          "rules:\n  - {match: 'nothing*', init: zeros}\n")
c, _, se = run("init", ok, "-o", path("ok.safetensors"), "-q", check=False)
check(c == 0 and "warning: rule 1 (match 'nothing*', line 4) matches no tensor" in se
      and os.path.exists(path("ok.safetensors")), f"unmatched rule: {c} {se!r}")
# what a format cannot hold, refused before writing
ok2 = spec("ok2.yaml", "layers:\n  - {name: fc, type: linear, in: 3, out: 4}\n")
refused([ok2, "--dtype", "bf16"], "NumPy has no bfloat16", name="out.npz")
long = spec("long.yaml", "layers:\n  - {name: " + "x" * 70 + ", type: linear, in: 2, out: 2}\n")
refused([long], "at most 63", name="out.gguf")
refused([ok2], "must end in .safetensors, .npz or .gguf", name="out.bin")
refused([ok2, "--preset", "pytorch"], "unknown preset 'pytorch'")
refused([ok2, "--dtype", "f8"], "--dtype")
refused([ok2, "--threads", "0"], "--threads must be >= 1")
refused([ok2, "--simd", "neon"], "--simd: unknown path 'neon'")
refused([ok2, "--scaling", "deepnet:beta=2"], "deepnet takes no options")
refused([ok2, "--scaling", "mupp"], "did you mean mup?")

# --- corrupt checkpoints --------------------------------------------------------------
good = {"w": np.ones((3, 4), np.float32), "b": np.zeros(4, np.float32)}
write_safetensors(path("good.safetensors"), good)
raw = open(path("good.safetensors"), "rb").read()
n = struct.unpack("<Q", raw[:8])[0]


def st_with(header, data=b"\0" * 64):
    h = header.encode()
    return struct.pack("<Q", len(h)) + h + data


corrupt = [
    (struct.pack("<Q", 10 ** 9) + raw[8:], "larger than the file"),
    (raw[:-1], "truncated"),
    (raw + b"\0", "after the last tensor"),
    (st_with('{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},'
             ' "v": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}', b"\0" * 24),
     "overlap"),
    (st_with('{"w": {"dtype": "F33", "shape": [4], "data_offsets": [0, 16]}}', b"\0" * 16),
     "unknown dtype 'F33'"),
    (st_with('{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]', b"\0" * 16),
     "invalid JSON header"),
    (st_with('{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 160]}}', b"\0" * 16),
     "needs 16"),
]
for i, (blob, want) in enumerate(corrupt):
    p = path(f"c{i}.safetensors")
    open(p, "wb").write(blob)
    refused([p], want)
np.savez(path("good.npz"), **good)
zraw = open(path("good.npz"), "rb").read()
for i, blob in enumerate([zraw[:len(zraw) // 2], zraw[:-10], b"PK\x03\x04" + b"\0" * 40]):
    p = path(f"c{i}.npz")
    open(p, "wb").write(blob)
    refused([p], "npz", name="out.npz")
write_gguf(path("good.gguf"), [("general.architecture", 8, "x")],
           [("w", [4, 3], 0, np.ones(12, np.float32).tobytes())])
graw = open(path("good.gguf"), "rb").read()
for i, (blob, want) in enumerate([(graw[:-20], "runs past the end"),
                                  (graw[:4] + struct.pack("<I", 1) + graw[8:], "version 1"),
                                  (graw[:30], "truncated")]):
    p = path(f"c{i}.gguf")
    open(p, "wb").write(blob)
    refused([p], want, name="out.gguf")

# --- write failures: the output name is never partial ----------------------------------
# Where the filesystem has O_TMPFILE, the temporary file has no name until the
# commit, so not even a killed run leaves one behind.
try:
    os.close(os.open(TMP, os.O_TMPFILE | os.O_WRONLY))
    UNNAMED = True
except (AttributeError, OSError):
    UNNAMED = False
    print("note: no O_TMPFILE here; a killed run may leave a .NAME.tmp-XXXXXX")
big = spec("big.yaml", "layers:\n  - {name: e, type: embedding, num: 4000, dim: 500}\n")
c, _, se = run("init", big, "-o", path("nodir/x.safetensors"), check=False)
check(c == 1 and "cannot create" in se and not os.path.exists(path("nodir")),
      f"missing directory: {c} {se!r}")
c, _, se = run("init", big, "-o", "/proc/x.safetensors", check=False)
check(c == 1 and "cannot create '/proc/x.safetensors'" in se, f"read-only place: {se!r}")


def limited(limit, ignore_sigxfsz):
    def pre():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        if ignore_sigxfsz:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return pre


for ext in ["safetensors", "npz", "gguf"]:
    out = path("lim." + ext)
    open(out, "wb").write(OLD)
    before = sorted(os.listdir(TMP))
    # SIGXFSZ ignored: writes fail with EFBIG and nninit cleans up
    p = subprocess.run([BIN, "init", big, "-o", out], capture_output=True, text=True,
                       preexec_fn=limited(1 << 20, True))
    check(p.returncode == 1 and "File too large" in p.stderr and
          open(out, "rb").read() == OLD and sorted(os.listdir(TMP)) == before,
          f"{ext} over RLIMIT_FSIZE: {p.returncode} {p.stderr.strip()!r}")
    # SIGXFSZ at its default action (a shell's): nninit ignores it, so the
    # limit is the same one-line error rather than a silent kill
    p = subprocess.run([BIN, "init", big, "-o", out], capture_output=True, text=True,
                       preexec_fn=limited(1 << 20, False))
    check(p.returncode == 1 and "File too large" in p.stderr and
          open(out, "rb").read() == OLD, f"{ext} with SIGXFSZ's default: {p.returncode}")
    check(sorted(os.listdir(TMP)) == before, f"{ext}: left {set(os.listdir(TMP)) - set(before)}")

# a full filesystem, if this machine lets us mount a small one
mnt = path("tiny")
os.mkdir(mnt)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                  capture_output=True).returncode == 0:
    try:
        for ext in ["safetensors", "npz", "gguf"]:
            out = os.path.join(mnt, "m." + ext)
            open(out, "wb").write(OLD)
            c, _, se = run("init", big, "-o", out, check=False)
            check(c == 1 and "No space left on device" in se and
                  open(out, "rb").read() == OLD and os.listdir(mnt) == ["m." + ext],
                  f"full disk {ext}: {c} {se!r} {os.listdir(mnt)}")
            os.unlink(out)
    finally:
        subprocess.run(["umount", mnt])
else:
    print("skipped: cannot mount a tmpfs here")
os.rmdir(mnt)

# signals in the middle: orthogonal tensors take a moment each
slow = spec("slow.yaml", "layers:\n" + "".join(
    f"  - {{name: r{i}, type: rnn, in: 8, hidden: 700, orthogonal: whole}}\n"
    for i in range(12)))
for sig, want_code in [(signal.SIGINT, 130), (signal.SIGKILL, -signal.SIGKILL)]:
    out = path("sig.safetensors")
    open(out, "wb").write(OLD)
    before = set(os.listdir(TMP))
    proc = subprocess.Popen([BIN, "init", slow, "-o", out, "--threads", "1"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline:  # until nninit has written a megabyte
        sizes = []
        try:
            for fd in os.listdir(f"/proc/{proc.pid}/fd"):
                link = f"/proc/{proc.pid}/fd/{fd}"
                target = os.readlink(link)
                if target.startswith(TMP) and ("(deleted)" in target or ".tmp-" in target):
                    sizes.append(os.stat(link).st_size)
        except OSError:
            pass
        if any(sz > (1 << 20) for sz in sizes):
            break
        time.sleep(0.01)
    proc.send_signal(sig)
    _, se = proc.communicate()
    check(proc.returncode == want_code, f"{sig.name}: exit {proc.returncode} ({se.strip()})")
    check(open(out, "rb").read() == OLD, f"{sig.name}: output damaged")
    left = set(os.listdir(TMP)) - before
    if sig == signal.SIGINT:
        check(not left and "interrupted" in se, f"SIGINT: left {left}, {se!r}")
    check(not (left and UNNAMED), f"{sig.name}: left {left}")
    for f in left:
        os.unlink(path(f))
finish()
