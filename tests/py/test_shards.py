"""Sharded checkpoints, checked against real readers and an independent
packing: `nninit init MODEL -o OUT --max-shard-size S`.

- safetensors: the shards' names, the index (json.load, compared with what
  huggingface_hub's split rule gives when re-implemented here from its
  source: a tensor larger than S becomes a shard of its own at once, the
  others fill the current shard in state_dict order), total_size the sum of
  the tensors' bytes; every tensor rebuilt with torch.frombuffer from the
  bytes the index points at equals the tensor of the unsharded file; the
  same through the safetensors package (safe_open, load_file) and our own
  layout parser; one shard is plain OUT with no index.
- GGUF: llama.cpp's gguf-split layout read with the gguf package
  (GGUFReader, llama.cpp's own parser) and our parser: split.no, split.count,
  split.tensors.count, the model's keys in the first split only, every
  tensor's data equal to the unsplit file's.
- sharded checkpoints as MODEL (the index, the first split) give what the
  unsharded file gives.
- bad input: one line, exit 2, nothing written; a failed write leaves
  nothing under an output name and never touches an unrelated file.

The safetensors and gguf packages come from PyPI into a venv (Debian 12 has
neither); only when PyPI cannot be reached are those two readers skipped,
saying so."""
import glob
import json
import os
import resource
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nninit_py import BIN, TMP, check, finish, in_pypi_venv, run  # noqa: E402

HAVE_PKGS = in_pypi_venv(["safetensors", "gguf", "tqdm"],
                         ["safetensors", "gguf", "torch", "yaml"])

import numpy as np  # noqa: E402
import torch  # noqa: E402

from modelfiles import read_gguf, read_safetensors  # noqa: E402

MODEL = os.path.join(HERE, "..", "..", "examples", "models", "transformer.yaml")
ST_SIZE = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2}


def out(name):
    return os.path.join(TMP, name)


def listing():
    return sorted(os.listdir(TMP))


def refused(args, want, code=2):
    """One line naming the problem, the exit code, and no new file."""
    before = listing()
    rc, _, err = run(*args, check=False)
    lines = err.strip().splitlines()
    check(rc == code and len(lines) == 1 and want in err,
          f"{args}: exit {rc}, {err.strip()!r} (want {code}, {want!r})")
    check(listing() == before, f"{args}: files appeared: "
          f"{sorted(set(listing()) - set(before))}")


# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------

run("init", MODEL, "-q", "-o", out("one.safetensors"))
meta, ref, order = read_safetensors(out("one.safetensors"))
sizes = {k: ref[k].numel() * ref[k].element_size() for k in order}


def hf_split(names, limit):
    """huggingface_hub's split_state_dict_into_shards_factory, re-implemented
    from its source (no shared storage here)."""
    shards, cur, cur_size = [], [], 0
    for k in names:
        s = sizes[k]
        if s > limit:
            shards.append([k])
            continue
        if cur_size + s > limit:
            shards.append(cur)
            cur, cur_size = [], 0
        cur.append(k)
        cur_size += s
    if cur:
        shards.append(cur)
    return shards


def load_through_index(index):
    """{name: tensor} built from the bytes each shard holds, through the
    index and each shard's header (torch.frombuffer)."""
    d = json.load(open(index))
    tensors = {}
    for f in sorted(set(d["weight_map"].values())):
        b = open(os.path.join(os.path.dirname(index), f), "rb").read()
        n = struct.unpack("<Q", b[:8])[0]
        h = json.loads(b[8:8 + n])
        h.pop("__metadata__", None)
        for k, v in h.items():
            check(d["weight_map"].get(k) == f, f"{k} is in {f}, the index says "
                  f"{d['weight_map'].get(k)}")
            s, e = v["data_offsets"]
            raw = bytearray(b[8 + n + s:8 + n + e])
            t = torch.frombuffer(raw, dtype=torch.float32) if raw else torch.empty(0)
            tensors[k] = t.reshape(v["shape"])
    return d, tensors


for limit_text, limit in [("200kB", 200_000), ("0.3MB", 300_000), ("100KiB", 102_400)]:
    for f in glob.glob(out("sh*")):
        os.unlink(f)
    run("init", MODEL, "-q", "-o", out("sh.safetensors"), "--max-shard-size", limit_text)
    want = hf_split(order, limit)
    n = len(want)
    names = [f"sh-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]
    check(sorted(f for f in listing() if f.startswith("sh")) ==
          sorted(names + ["sh.safetensors.index.json"]),
          f"{limit_text}: files {listing()}, want {names} and the index")
    d, tensors = load_through_index(out("sh.safetensors.index.json"))
    check(d["metadata"] == {"total_size": sum(sizes.values())},
          f"{limit_text}: metadata {d['metadata']}")
    check(d["weight_map"] == {k: names[i] for i, s in enumerate(want) for k in s},
          f"{limit_text}: weight_map is not huggingface_hub's packing")
    text = open(out("sh.safetensors.index.json")).read()
    check(text == json.dumps(d, indent=2, sort_keys=True) + "\n",
          f"{limit_text}: the index is not as huggingface_hub writes it")
    check(set(tensors) == set(order) and
          all(torch.equal(tensors[k], ref[k]) for k in order),
          f"{limit_text}: tensors through the index differ from the unsharded file")
    for i, s in enumerate(want):  # our own parser: layout rules, order
        m, t, o = read_safetensors(out(names[i]))
        check(o == s and m["format"] == "pt" and m["nninit.seed"] == meta["nninit.seed"]
              and all(f"nninit.scheme.{k}" in m for k in s),
              f"{names[i]}: tensors {o}, want {s}; metadata {sorted(m)[:4]}")
    if HAVE_PKGS:
        from safetensors import safe_open
        from safetensors.torch import load_file
        got = {}
        for f in names:
            got.update(load_file(out(f)))
            with safe_open(out(f), framework="pt") as sf:
                check(sf.metadata()["format"] == "pt", f"{f}: safe_open metadata")
        check(set(got) == set(order) and all(torch.equal(got[k], ref[k]) for k in order),
              f"{limit_text}: the safetensors package reads other tensors")

# a tensor larger than the limit is alone, and the rest keep filling a shard
big = hf_split(order, 60_000)
check(any(len(s) == 1 and sizes[s[0]] > 60_000 for s in big) and
      any(len(s) > 1 for s in big), "the 60 kB case has lone and shared shards")
for f in glob.glob(out("sh*")):
    os.unlink(f)
run("init", MODEL, "-q", "-o", out("sh.safetensors"), "--max-shard-size", "60000")
d, tensors = load_through_index(out("sh.safetensors.index.json"))
check(len(set(d["weight_map"].values())) == len(big) and
      all(torch.equal(tensors[k], ref[k]) for k in order), "60 kB shards")

# one shard: plain OUT, byte for byte the unsharded file, no index
run("init", MODEL, "-q", "-o", out("single.safetensors"), "--max-shard-size", "5GB")
check(open(out("single.safetensors"), "rb").read() ==
      open(out("one.safetensors"), "rb").read(), "one shard is the plain file")
check(not os.path.exists(out("single.safetensors.index.json")) and
      not glob.glob(out("single-*")), "one shard: no index, no numbered file")

# the index as MODEL: the same tensors, re-initialized, as the unsharded
# file as MODEL gives
run("init", out("sh.safetensors.index.json"), "-q", "-o", out("re_sh.safetensors"))
run("init", out("one.safetensors"), "-q", "-o", out("re_one.safetensors"))
_, re_sh, _ = read_safetensors(out("re_sh.safetensors"))
_, re_one, _ = read_safetensors(out("re_one.safetensors"))
check(set(re_sh) == set(order) and
      all(torch.equal(re_sh[k], re_one[k]) for k in order),
      "the index as MODEL gives what the unsharded file gives")

# ---------------------------------------------------------------------------
# GGUF
# ---------------------------------------------------------------------------

run("init", MODEL, "-q", "-o", out("one.gguf"))
gkv, gref, gtypes, gorder = read_gguf(out("one.gguf"))
gsize = {k: (gref[k].nbytes + 31) // 32 * 32 for k in gorder}


def gguf_split(names, limit):
    """llama.cpp gguf-split --split-max-size, from its source: each tensor
    counted padded to 32; a new split when the next would pass the limit."""
    splits, cur = [[]], 0
    for i, k in enumerate(names):
        if i > 0 and cur + gsize[k] > limit:
            splits.append([])
            cur = 0
        splits[-1].append(k)
        cur += gsize[k]
    return splits


for f in glob.glob(out("sg*")):
    os.unlink(f)
run("init", MODEL, "-q", "-o", out("sg.gguf"), "--max-shard-size", "300kB")
want = gguf_split(gorder, 300_000)
n = len(want)
names = [f"sg-{i + 1:05d}-of-{n:05d}.gguf" for i in range(n)]
check(sorted(f for f in listing() if f.startswith("sg")) == names,
      f"gguf splits {listing()}, want {names}")
got = {}
for i, f in enumerate(names):
    kv, t, _, o = read_gguf(out(f))
    check(o == want[i], f"{f}: tensors {o}, want {want[i]}")
    check(kv["split.no"] == i and kv["split.count"] == n and
          kv["split.tensors.count"] == len(gorder), f"{f}: split keys")
    model_keys = {k for k in kv if not k.startswith("split.")}
    check(model_keys == (set(gkv) if i == 0 else set()),
          f"{f}: model keys {sorted(model_keys)[:5]}")
    got.update(t)
check(all(np.array_equal(got[k], gref[k]) for k in gorder), "split GGUF tensors")
if HAVE_PKGS:
    from gguf import GGUFReader, GGUFValueType
    seen = {}
    for i, f in enumerate(names):
        r = GGUFReader(out(f))
        fields = r.fields
        check(int(fields["split.no"].parts[-1][0]) == i and
              fields["split.no"].types == [GGUFValueType.UINT16] and
              int(fields["split.count"].parts[-1][0]) == n and
              fields["split.tensors.count"].types == [GGUFValueType.INT32] and
              int(fields["split.tensors.count"].parts[-1][0]) == len(gorder),
              f"{f}: the gguf package reads other split keys")
        check(("general.architecture" in fields) == (i == 0),
              f"{f}: general.architecture only in the first split")
        for t in r.tensors:
            seen[t.name] = np.array(t.data).reshape(gref[t.name].shape)
    check(set(seen) == set(gorder) and
          all(np.array_equal(seen[k], gref[k]) for k in gorder),
          "the gguf package reads other tensors")

# the first split as MODEL; a later split is refused
run("init", out(names[0]), "-q", "-o", out("re_sg.gguf"))
run("init", out("one.gguf"), "-q", "-o", out("re_one.gguf"))
check(open(out("re_sg.gguf"), "rb").read() == open(out("re_one.gguf"), "rb").read(),
      "the first split as MODEL gives what the unsplit file gives")
refused(["init", out(names[1]), "-q", "-o", out("x.gguf")], "give the first split")

# ---------------------------------------------------------------------------
# Bad input: one line, exit 2, nothing written
# ---------------------------------------------------------------------------

for bad in ["abc", "0", "5XB", "-5GB", "GB", "1e400GB", ""]:
    refused(["init", MODEL, "-o", out("b.safetensors"), "--max-shard-size", bad],
            "is not a size")
refused(["init", MODEL, "-o", out("b.npz"), "--max-shard-size", "1MB"],
        "npz cannot be written in shards")
refused(["init", MODEL, "--format", "safetensors", "-o", "/dev/null",
         "--max-shard-size", "1MB"], "shards are files named after it")

# an index pointing at a shard that is not there
d = json.load(open(out("sh.safetensors.index.json")))
k0 = sorted(d["weight_map"])[0]
d["weight_map"][k0] = "gone-00001-of-00001.safetensors"
json.dump(d, open(out("bad.safetensors.index.json"), "w"))
refused(["init", out("bad.safetensors.index.json"), "-o", out("b.safetensors")],
        "shard 'gone-00001-of-00001.safetensors'")
# an index that does not list a tensor a shard holds
d = json.load(open(out("sh.safetensors.index.json")))
del d["weight_map"][k0]
json.dump(d, open(out("bad.safetensors.index.json"), "w"))
refused(["init", out("bad.safetensors.index.json"), "-o", out("b.safetensors")],
        "which the weight_map does not list")
# the same tensor in two shards (a copy of shard 1 named as a third)
d = json.load(open(out("sh.safetensors.index.json")))
files = sorted(set(d["weight_map"].values()))
dup = "dup-00001-of-00001.safetensors"
open(out(dup), "wb").write(open(out(files[0]), "rb").read())
mine = [k for k, v in d["weight_map"].items() if v == files[0]]
d["weight_map"]["extra.name"] = dup
json.dump(d, open(out("bad.safetensors.index.json"), "w"))
refused(["init", out("bad.safetensors.index.json"), "-o", out("b.safetensors")],
        f"holds '{mine[0]}', which the weight_map puts in another shard")
# not an index
open(out("bad.safetensors.index.json"), "w").write('{"metadata": {}}')
refused(["init", out("bad.safetensors.index.json"), "-o", out("b.safetensors")],
        "no weight_map")

# a split whose split.count disagrees with the first split's


def patch_key(path, key, fmt, value):
    b = bytearray(open(path, "rb").read())
    k = struct.pack("<Q", len(key)) + key.encode()
    at = b.index(k) + len(k) + 4
    struct.pack_into(fmt, b, at, value)
    open(path, "wb").write(bytes(b))


for f in glob.glob(out("sp*")):
    os.unlink(f)
run("init", MODEL, "-q", "-o", out("sp.gguf"), "--max-shard-size", "300kB")
sp = sorted(glob.glob(out("sp-*.gguf")))
patch_key(sp[1], "split.count", "<H", len(sp) + 1)
refused(["init", sp[0], "-o", out("b.gguf")], "disagree with the first split's")
patch_key(sp[1], "split.count", "<H", len(sp))
patch_key(sp[0], "split.tensors.count", "<i", len(gorder) + 1)
for f in sp[1:]:
    patch_key(f, "split.tensors.count", "<i", len(gorder) + 1)
refused(["init", sp[0], "-o", out("b.gguf")], "split.tensors.count says")
os.unlink(sp[-1])
refused(["init", sp[0], "-o", out("b.gguf")], f"split {len(sp)} of {len(sp)}")

# ---------------------------------------------------------------------------
# Atomicity: a write that fails leaves nothing under an output name
# ---------------------------------------------------------------------------

for f in glob.glob(out("at*")):
    os.unlink(f)
# an unrelated file with a shard's name pattern (another run's count)
open(out("at-00001-of-00009.safetensors"), "w").write("unrelated")
# a file-size limit that the largest shard passes, the others not: every
# shard is written before any is renamed, so none appears
want = hf_split(order, 200_000)
largest = max(sum(sizes[k] for k in s) for s in want)


def limit_fsize():
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest - 1000, largest - 1000))


p = subprocess.run([BIN, "init", MODEL, "-q", "-o", out("at.safetensors"),
                    "--max-shard-size", "200kB"], capture_output=True, text=True,
                   preexec_fn=limit_fsize)
check(p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and
      "File too large" in p.stderr, f"fsize limit: {p.returncode} {p.stderr!r}")
left = sorted(f for f in listing() if f.startswith("at") or f.startswith(".at"))
check(left == ["at-00001-of-00009.safetensors"], f"after a failed write: {left}")
check(open(out("at-00001-of-00009.safetensors")).read() == "unrelated",
      "an unrelated file was touched")
# and a successful run leaves the unrelated file as it was (documented)
run("init", MODEL, "-q", "-o", out("at.safetensors"), "--max-shard-size", "200kB")
check(open(out("at-00001-of-00009.safetensors")).read() == "unrelated",
      "a successful run touched a file of another shard count")

# killed mid-write (SIGKILL, no chance to clean up): nothing appears
big_model = out("big.yaml")
open(big_model, "w").write("layers:\n" + "".join(
    f"  - {{name: l{i}, type: linear, in: 2048, out: 2048}}\n" for i in range(24)))
p = subprocess.Popen([BIN, "init", big_model, "-q", "--threads", "1", "--chunk-mb", "1",
                      "-o", out("kill.safetensors"), "--max-shard-size", "40MB"],
                     stderr=subprocess.PIPE)
import time  # noqa: E402


def open_in_tmp(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith(TMP)
        except OSError:
            pass
    return n


deadline = time.time() + 60
while time.time() < deadline and open_in_tmp(p.pid) < 3:  # shards open
    time.sleep(0.005)
p.kill()
p.wait()
check(p.returncode == -9, f"the write ended before the kill ({p.returncode})")
left = [f for f in listing() if "kill" in f]
check(left == [], f"after SIGKILL: {left}")

finish()
