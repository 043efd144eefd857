"""Safety with unusual outputs and adversarial inputs, as users meet them:
outputs that are not regular files (devices, FIFOs, symlinks, directories),
file-size limits, sizes that do not fit, and small inputs that would take
minutes or gigabytes. Every refusal is one line, a non-zero exit and no file;
every budget answers in well under the time limit given to each run here
(a limit generous enough for a loaded machine, and far below what the
unbounded work would take)."""
import io
import json
import os
import resource
import signal
import socket
import stat
import struct
import subprocess
import threading
import zipfile

import numpy as np

from modelfiles import read_safetensors, write_gguf
from nninit_py import BIN, TMP, check, finish, path, run, spec

ROOT = os.geteuid() == 0
LIMIT = 120  # seconds: the unbounded versions of these runs take far longer


# AddressSanitizer reserves terabytes of address space: no RLIMIT_AS there
ASAN = b"__asan_init" in open(BIN, "rb").read()


def bounded():
    """Limits for every run, so that a faulty build cannot fill the disk or
    the memory of the machine running these tests."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 28, 1 << 28))
    if not ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def nninit(*args, stdout=subprocess.PIPE, preexec_fn=bounded):
    """Run the CLI with a time limit; (exit code, stdout bytes, stderr)."""
    try:
        p = subprocess.run([BIN, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE,
                           timeout=LIMIT, preexec_fn=preexec_fn)
    except subprocess.TimeoutExpired:
        return None, b"", f"timed out after {LIMIT} s"
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def npy_shape(data):
    """The shape of .npy bytes (or a file), None if they are not one."""
    try:
        return np.load(io.BytesIO(data) if isinstance(data, bytes) else data).shape
    except (ValueError, OSError, EOFError):
        return None


def one_line(err, want):
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("nninit: ") and want in lines[0]


def refused(args, want, code=2, out_name=None):
    """args must fail with `code` and one line containing `want`, leaving the
    directory as it was (no output, no temporary file)."""
    before = sorted(os.listdir(TMP))
    rc, _, err = nninit(*args)
    check(rc == code and one_line(err, want),
          f"{' '.join(map(str, args))}: exit {rc}, expected {code} and {want!r}: {err.strip()!r}")
    check(sorted(os.listdir(TMP)) == before,
          f"{' '.join(map(str, args))}: left {set(os.listdir(TMP)) - set(before)}")


seed = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "models", "seed.yaml")
SAMPLE = ["sample", "normal", "--shape", "10"]

# --- outputs that are not regular files -------------------------------------------------
# A character device is written in place: made with mknod (root), it stays a
# device (a rename over /dev/null would have replaced the machine's).
if ROOT:
    dev = path("null")
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    for args in [SAMPLE, ["init", seed, "-q", "--format", "safetensors"],
                 ["init", seed, "-q", "--format", "npz"], ["init", seed, "-q", "--format", "gguf"]]:
        rc, _, err = nninit(*args, "-o", dev)
        check(rc == 0 and stat.S_ISCHR(os.lstat(dev).st_mode),
              f"{args[:2]} -o a character device: exit {rc} {err!r}, "
              f"still a device: {stat.S_ISCHR(os.lstat(dev).st_mode)}")
    os.unlink(dev)
else:
    print("skipped: mknod needs root (character devices)")


def read_fifo(fifo, sink):
    with open(fifo, "rb") as f:
        sink.append(f.read())


def through_fifo(args):
    """Run args -o FIFO with a reader; (exit, stderr, bytes read or None)."""
    fifo = path("fifo")
    os.mkfifo(fifo)
    got = []
    t = threading.Thread(target=read_fifo, args=(fifo, got), daemon=True)
    t.start()
    rc, _, err = nninit(*args, "-o", fifo)
    is_fifo = stat.S_ISFIFO(os.lstat(fifo).st_mode)
    t.join(LIMIT if is_fifo else 1)  # a replaced FIFO never gets a writer
    os.unlink(fifo)
    return rc, err, got[0] if got and is_fifo else None


# A FIFO is written in place; the reader gets the whole file
for args, load in [(SAMPLE, lambda b: npy_shape(b) == (10,)),
                   (["init", seed, "-q", "--format", "safetensors"],
                    lambda b: b[8:9] == b"{" and len(b) > 1000)]:
    rc, err, got = through_fifo(args)
    check(rc == 0 and got is not None and load(got),
          f"{args[:2]} -o a FIFO: exit {rc} {err!r}, read {None if got is None else len(got)}")
# npz needs to seek back: refused before a byte goes down a pipe
rc, err, got = through_fifo(["init", seed, "-q", "--format", "npz"])
check(rc == 2 and one_line(err, "pipe") and got == b"", f"npz to a FIFO: {rc} {err!r}")

# /dev/stdout, as Linux makes it: a link to /proc/self/fd/1. The tests use a
# link of their own (a faulty build must not replace the machine's).
stdout_link = path("stdout")
os.symlink("/proc/self/fd/1", stdout_link)
# when stdout is a pipe, the bytes arrive on the pipe
rc, out, err = nninit(*SAMPLE, "-o", stdout_link)
check(rc == 0 and out[:6] == b"\x93NUMPY" and npy_shape(out) == (10,),
      f"-o /dev/stdout: {rc} {err!r} {len(out)}")
rc, out, err = nninit("init", seed, "-q", "--format", "safetensors", "-o", stdout_link)
open(path("piped.safetensors"), "wb").write(out)
check(rc == 0 and out[8:9] == b"{" and len(read_safetensors(path("piped.safetensors"))[1]) == 6,
      f"init -o /dev/stdout: {rc} {err!r}")
os.unlink(path("piped.safetensors"))
# ... and when stdout is a regular file, that file is replaced whole
with open(path("redirected.npy"), "wb") as f:
    rc, _, err = nninit(*SAMPLE, "-o", stdout_link, stdout=f)
check(rc == 0 and npy_shape(path("redirected.npy")) == (10,), f"-o /dev/stdout > file: {rc} {err!r}")
check(os.path.islink(stdout_link), "the /dev/stdout link is still a link")
os.unlink(path("redirected.npy"))
os.unlink(stdout_link)

# A symlink is followed: the file it points at is replaced, the link stays
os.mkdir(path("real"))
target = path("real/w.npy")
open(target, "wb").write(b"old")
os.symlink("real/w.npy", path("link.npy"))
os.symlink("link.npy", path("link2.npy"))  # a chain
for name in ["link.npy", "link2.npy"]:
    rc, _, err = nninit(*SAMPLE, "-o", path(name))
    check(rc == 0 and os.path.islink(path(name)) and npy_shape(target) == (10,)
          and sorted(os.listdir(path("real"))) == ["w.npy"],
          f"-o {name}: {rc} {err!r} {os.listdir(path('real'))}")
    open(target, "wb").write(b"old")
# a dangling link: its target is created, the link kept
os.unlink(target)
rc, _, err = nninit(*SAMPLE, "-o", path("link.npy"))
check(rc == 0 and os.path.islink(path("link.npy")) and npy_shape(target) == (10,),
      f"-o a dangling link: {rc} {err!r}")
# a failed run leaves the file behind the link alone
open(target, "wb").write(b"old")
rc, _, err = nninit("sample", "normal", "--shape", "10", "--std", "-1", "-o", path("link.npy"))
check(rc == 2 and open(target, "rb").read() == b"old" and os.path.islink(path("link.npy")),
      f"failed run through a link: {rc}")
for f in ["link.npy", "link2.npy", "real/w.npy"]:
    os.unlink(path(f))
os.rmdir(path("real"))
# a loop of links: one line, exit 1
os.symlink("loop_b", path("loop_a"))
os.symlink("loop_a", path("loop_b"))
refused([*SAMPLE, "-o", path("loop_a")], "Too many levels of symbolic links", code=1)
os.unlink(path("loop_a"))
os.unlink(path("loop_b"))

# Anything else is refused: one line, exit 2, nothing written
os.mkdir(path("adir"))
refused([*SAMPLE, "-o", path("adir")], "is a directory")
refused(["init", seed, "-o", path("adir")], "must end in")
refused(["init", seed, "--format", "gguf", "-o", path("adir")], "is a directory")
os.rmdir(path("adir"))
sock = socket.socket(socket.AF_UNIX)
sock.bind(path("sock"))
refused([*SAMPLE, "-o", path("sock")], "is a socket")
sock.close()
os.unlink(path("sock"))
if ROOT:
    os.mknod(path("blk"), 0o600 | stat.S_IFBLK, os.makedev(7, 250))
    refused([*SAMPLE, "-o", path("blk")], "is a block device")
    os.unlink(path("blk"))
refused(["init", seed, "--format", "npy", "-o", path("x")], "unknown format 'npy'")

# --- file-size limits and reservation ------------------------------------------------
def fsize_limit(n):
    def pre():  # the default action of SIGXFSZ, as a shell leaves it
        bounded()
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return pre


old = b"old bytes that must survive\n"
for args in [["sample", "normal", "--shape", "1000,1000"],
             ["sample", "orthogonal", "--shape", "600,600", "--rng", "torch"],
             ["init", seed, "-q", "--format", "safetensors"]]:
    out = path("limited.out")
    open(out, "wb").write(old)
    before = sorted(os.listdir(TMP))
    rc, _, err = nninit(*args, "-o", out, preexec_fn=fsize_limit(4096))
    # the whole size is reserved first, so the limit is met before any write
    check(rc == 1 and one_line(err, "File too large (it needs") and
          open(out, "rb").read() == old and sorted(os.listdir(TMP)) == before,
          f"{args[:2]} over RLIMIT_FSIZE: exit {rc} {err.strip()!r}")
    os.unlink(out)

# --- inputs that would hang or grow without bound ---------------------------------------
def peak_rss(args):
    """Run the CLI; (exit code, stderr, peak resident memory in bytes) of
    that run alone (wait4 gives the child's own rusage)."""
    with open(path("peak_rss.err"), "w+b") as errf:
        p = subprocess.Popen([BIN, *map(str, args)], stdout=subprocess.DEVNULL,
                             stderr=errf, preexec_fn=bounded)
        timer = threading.Timer(LIMIT, p.kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    os.unlink(path("peak_rss.err"))
    if p.returncode == -signal.SIGKILL:
        return None, f"timed out after {LIMIT} s", 0
    return p.returncode, err, ru.ru_maxrss * 1024


def gguf_keys(name, keys):
    """A GGUF v3 file of u32 key-values (by the spec) and one 4x3 f32 tensor."""
    def s(x):
        return struct.pack("<Q", len(x)) + x.encode()
    parts = [b"GGUF", struct.pack("<IQQ", 3, 1, len(keys))]
    parts += [s(k) + struct.pack("<II", 4, i) for i, k in enumerate(keys)]
    parts += [s("w"), struct.pack("<IQQIQ", 2, 3, 4, 0, 0)]
    head = b"".join(parts)
    head += b"\0" * (-len(head) % 32)
    open(path(name), "wb").write(head + np.ones(12, np.float32).tobytes() + b"\0" * 16)


# a GGUF with 400,000 key-values (6 MB): each key checked once, in a set
n_kv = 400000
gguf_keys("keys.gguf", [f"k.{i}" for i in range(n_kv)])
rc, _, err = nninit("plan", path("keys.gguf"))
check(rc == 0, f"GGUF with {n_kv} keys: {rc} {err.strip()!r}")
gguf_keys("keys.gguf", [f"k.{i % (n_kv - 1)}" for i in range(n_kv)])
refused(["plan", path("keys.gguf")], f"duplicate key 'k.0'")
os.unlink(path("keys.gguf"))

# nesting 100,000 deep (libyaml's loader alone takes minutes over it):
# refused while parsing, at the 65th level
deep = spec("deep.yaml", "layers: " + "{a: " * 100000 + "1" + "}" * 100000 + "\n")
refused(["plan", deep], "deep.yaml:1:261: lists and mappings nest more than 64 deep")
deep = spec("deep.yaml", "layers: " + "[" * 100000 + "]" * 100000 + "\n")
refused(["plan", deep], "deep.yaml:1:72: lists and mappings nest more than 64 deep")
deep = spec("deep.yaml", "layers:\n" + "".join(
    "  " * i + f"- name: b{i}\n" + "  " * i + "  layers:\n" for i in range(20)) +
    "  " * 20 + "- {name: fc, type: linear, in: 1, out: 1}\n")
refused(["plan", deep], "layers nest more than 16 deep")
os.unlink(deep)

# YAML alias expansion ("billion laughs"): a cap on the expanded nodes
laughs = spec("laughs.yaml", "layers:\n  - {name: a, type: linear, in: 1, out: 1}\n"
              "rules:\n  - &r0 {match: 'a.*', init: zeros}\n" + "".join(
                  f"  - &r{i} [" + ", ".join([f"*r{i - 1}"] * 10) + "]\n"
                  for i in range(1, 9)))
rc, err, rss = peak_rss(["plan", laughs])
check(rc == 2 and one_line(err, "aliases expand the description to more than 16777216 nodes"),
      f"billion laughs: {rc} {err.strip()!r}")
check(ASAN or rss < 256 << 20, f"billion laughs: {rss >> 20} MB")
# an alias inside the node it names
refused(["plan", spec("cycle.yaml", "layers: &l\n  - {name: a, repeat: 2, layers: *l}\n")],
        "alias *l refers to a node that contains it")
# a second document is not silently dropped
refused(["plan", spec("multi.yaml", "layers: [{name: a, type: linear, in: 1, out: 1}]\n"
                                    "---\nlayers: [{name: b, type: linear, in: 1, out: 1}]\n")],
        "multi.yaml:2:1: a second YAML document")
refused(["plan", spec("rep.yaml", "layers:\n  - {name: h, repeat: 1000001, layers: "
                                  "[{name: fc, type: linear, in: 1, out: 1}]}\n")],
        "repeat must be at most 1000000")
for f in ["laughs.yaml", "cycle.yaml", "multi.yaml", "rep.yaml"]:
    os.unlink(path(f))

# alike layers cost a few hundred bytes each in the model and the plan (what
# they share, such as texts, initializers, shapes and constructor arguments,
# is kept once): 200,000 of them under 1000 bytes each, so a million-layer
# model stays under 1 GB
rep = spec("rep.yaml", "layers:\n  - {name: h, repeat: 200000, layers: "
                       "[{name: fc, type: linear, in: 1, out: 1}]}\n")
rc, err, rss = peak_rss(["plan", rep, "--format", "tsv"])
check(rc == 0, f"200,000 layers: exit {rc} {err.strip()!r}")
check(ASAN or rss < 200000 * 1000, f"200,000 layers: peak {rss >> 20} MB")
os.unlink(rep)

# a checkpoint of 200,000 tensors: linear work, and a few hundred bytes of
# plan per tensor (with the reading, the model and the writer: under 2.5 KB)
n_t = 200000
h = {f"layers.{i}.w": {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
     for i in range(n_t)}
hb = json.dumps(h, separators=(",", ":")).encode()
open(path("many.safetensors"), "wb").write(struct.pack("<Q", len(hb)) + hb + b"\0" * (4 * n_t))
rc, err, rss = peak_rss(["init", path("many.safetensors"), "-q", "-o", path("many_out.safetensors")])
check(rc == 0, f"{n_t} tensors: exit {rc} {err.strip()!r}")
check(ASAN or rss < n_t * 2560, f"{n_t} tensors: peak {rss >> 20} MB")
# ... with 10,000 rules that name tensors and 200 that end like them: each
# finds its tensors through the names' order, not by testing all 200,000
rules = "rules:\n" + "".join(f"  - {{match: layers.{i * 17}.w, init: ones}}\n"
                              for i in range(10000))
rules += "".join(f"  - {{match: '*.{i * 13}.w', init: zeros}}\n" for i in range(200))
rc, out, err = nninit("plan", path("many.safetensors"), "--rules", spec("rules.yaml", rules))
check(rc == 0 and b"layers.17.w" in out, f"rules x tensors: {rc} {err.strip()!r}")
# patterns with neither a literal start nor end test every name: budgeted
rules = "rules:\n" + "".join(f"  - {{match: '*{i}*', init: ones}}\n" for i in range(200))
refused(["plan", path("many.safetensors"), "--rules", spec("rules.yaml", rules)],
        "name tests")
for f in ["many.safetensors", "many_out.safetensors", "rules.yaml"]:
    os.unlink(path(f))

# names are quoted as people wrote them
refused(["plan", spec("u.yaml", "layers:\n  - {name: naïve, type: linear, in: 1, out: 1}\n")],
        "layer name 'naïve' contains 'ï'")
os.unlink(path("u.yaml"))

# --- sizes that do not fit: 2^62 elements fit, their bytes do not ---------------------
E62 = 1 << 62
refused(["sample", "normal", "--shape", E62, "--dtype", "f64", "-o", path("o.npy")],
        "more than 2^62 bytes")
refused(["sample", "normal", "--shape", f"{E62 // 2},2", "-o", path("o.npy")],
        "more than 2^62 bytes")
for text in [f"layers:\n  - {{name: fc, type: linear, in: {E62}, out: 1, bias: false}}\n",
             f"layers:\n  - {{name: e, type: embedding, num: {E62 // 4}, dim: 2}}\n",
             "layers:\n" + "".join(f"  - {{name: e{i}, type: embedding, num: {E62 // 32}, "
                                   f"dim: 1}}\n" for i in range(9))]:
    m = spec("huge.yaml", text)
    for fmt in ["safetensors", "npz", "gguf"]:
        refused(["init", m, "-o", path("o." + fmt)], "more than 2^62 bytes")
    refused(["plan", m], "more than 2^62 bytes")
os.unlink(m)
# checkpoints whose header claims 2^62 float32 values in 0 bytes
huge = {}
h = json.dumps({"w": {"dtype": "F32", "shape": [E62], "data_offsets": [0, 0]}}).encode()
open(path("huge.safetensors"), "wb").write(struct.pack("<Q", len(h)) + h)
write_gguf(path("huge.gguf"), [], [("w", [E62], 0, b"")])
write_gguf(path("huge64.gguf"), [], [("w", [E62 // 2, 2], 28, b"")])  # f64
with zipfile.ZipFile(path("huge.npz"), "w") as z:
    d = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({E62},), }}".encode()
    d += b" " * (63 - (10 + len(d)) % 64) + b"\n"
    z.writestr("w.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d)
for name in ["huge.safetensors", "huge.gguf", "huge64.gguf", "huge.npz"]:
    refused(["init", path(name), "-o", path("o.safetensors")], "more than 2^62 bytes")
    refused(["plan", path(name)], "more than 2^62 bytes")
    os.unlink(path(name))
finish()
