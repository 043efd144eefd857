"""Readers of safetensors and GGUF written from their published layouts
(huggingface/safetensors README; ggml docs/gguf.md), independent of nninit's
C code, checking every layout rule on the way."""
import json
import struct

import numpy as np
import torch

ST_TORCH = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16,
            "BF16": torch.bfloat16, "I64": torch.int64, "I32": torch.int32,
            "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
ST_SIZE = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
           "I8": 1, "U8": 1, "BOOL": 1}


def read_safetensors(path):
    """(metadata, {name: torch tensor}, header key order); asserts the layout."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    hdr = b[8:8 + n]
    assert hdr[:1] == b"{" and hdr.rstrip(b" ").endswith(b"}"), "header padding"
    h = json.loads(hdr)
    data = b[8 + n:]
    keys = list(h)
    meta = h.pop("__metadata__", None)
    assert meta is None or keys[0] == "__metadata__", "__metadata__ not first"
    spans = sorted((v["data_offsets"][0], v["data_offsets"][1], k) for k, v in h.items())
    at = 0
    for s, e, k in spans:
        assert s == at, f"tensor {k} starts at {s}, expected {at} (holes/overlap)"
        at = e
    assert at == len(data), f"data section {len(data)} bytes, tensors end at {at}"
    out = {}
    for k, v in h.items():
        s, e = v["data_offsets"]
        numel = int(np.prod(v["shape"])) if v["shape"] else 1
        assert e - s == numel * ST_SIZE[v["dtype"]], f"{k}: size mismatch"
        if numel == 0:
            t = torch.empty(v["shape"], dtype=ST_TORCH[v["dtype"]])
        else:
            t = torch.frombuffer(bytearray(data[s:e]), dtype=ST_TORCH[v["dtype"]])
            t = t.reshape(v["shape"])
        out[k] = t
    return meta, out, [k for k in keys if k != "__metadata__"]


GGUF_SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
               10: "<Q", 11: "<q", 12: "<d"}
GGML_NP = {0: np.float32, 1: np.float16, 28: np.float64, 24: np.int8, 25: np.int16,
           26: np.int32, 27: np.int64}
GGML_BF16 = 30


class _Cur:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.p)
        self.p += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.take("<Q")
        s = self.b[self.p:self.p + n]
        self.p += n
        return s.decode()

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.take("<I"), self.take("<Q")
            return [self.value(et) for _ in range(n)]
        return self.take(GGUF_SCALAR[t])


def read_gguf(path):
    """(kv dict, {name: numpy array in row-major shape or raw bytes}, type ids,
    tensor order); asserts ggml's layout rules."""
    b = open(path, "rb").read()
    c = _Cur(b)
    assert c.b[:4] == b"GGUF"
    c.p = 4
    assert c.take("<I") == 3
    nt, nkv = c.take("<Q"), c.take("<Q")
    kv = {}
    for _ in range(nkv):
        k = c.string()
        t = c.take("<I")
        assert k not in kv, f"duplicate key {k}"
        kv[k] = c.value(t)
    align = kv.get("general.alignment", 32)
    infos = []
    for _ in range(nt):
        name = c.string()
        assert len(name.encode()) < 64, f"name {name} too long for ggml"
        nd = c.take("<I")
        assert 1 <= nd <= 4
        ne = [c.take("<Q") for _ in range(nd)]
        t = c.take("<I")
        off = c.take("<Q")
        infos.append((name, ne, t, off))
    data = (c.p + align - 1) // align * align
    assert all(x == 0 for x in b[c.p:data]), "padding before the data is not zero"
    run = 0
    out, types = {}, {}
    for name, ne, t, off in infos:
        assert off == run, f"{name}: offset {off}, ggml expects the running sum {run}"
        numel = int(np.prod(ne))
        size = numel * (2 if t == GGML_BF16 else np.dtype(GGML_NP[t]).itemsize)
        raw = b[data + off:data + off + size]
        assert len(raw) == size, f"{name} truncated"
        shape = list(reversed(ne))  # ggml's ne[0] varies fastest
        if t == GGML_BF16:
            bits = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            out[name] = bits.view(np.float32).reshape(shape)
        else:
            out[name] = np.frombuffer(raw, dtype=GGML_NP[t]).reshape(shape)
        types[name] = t
        run += (size + align - 1) // align * align
    assert len(b) == data + run, f"file is {len(b)} bytes, expected {data + run}"
    return kv, out, types, [i[0] for i in infos]


def write_gguf(path, kv, tensors):
    """A GGUF v3 file by the spec: kv is [(key, type, value)], tensors
    [(name, ne fastest-first, ggml type, raw bytes)]."""
    def s(x):
        x = x.encode()
        return struct.pack("<Q", len(x)) + x

    def val(t, v):
        if t == 8:
            return s(v)
        if t == 9:
            et, items = v
            return struct.pack("<IQ", et, len(items)) + b"".join(val(et, i) for i in items)
        return struct.pack(GGUF_SCALAR[t], v)
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for k, t, v in kv:
        out += s(k) + struct.pack("<I", t) + val(t, v)
    off = 0
    for name, ne, t, raw in tensors:
        out += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        out += struct.pack("<IQ", t, off)
        off += (len(raw) + 31) // 32 * 32
    out += b"\0" * ((32 - len(out) % 32) % 32)
    for name, ne, t, raw in tensors:
        out += raw + b"\0" * ((32 - len(raw) % 32) % 32)
    open(path, "wb").write(out)


def write_safetensors(path, tensors, metadata=None):
    """By the README: tensors {name: numpy array}; header padded to 8."""
    dt = {np.float32: "F32", np.float64: "F64", np.float16: "F16", np.int64: "I64",
          np.int32: "I32", np.uint8: "U8", np.bool_: "BOOL"}
    h, at, blobs = {}, 0, []
    if metadata:
        h["__metadata__"] = metadata
    for k, a in tensors.items():
        raw = np.ascontiguousarray(a).tobytes()
        h[k] = {"dtype": dt[a.dtype.type], "shape": list(a.shape),
                "data_offsets": [at, at + len(raw)]}
        at += len(raw)
        blobs.append(raw)
    hdr = json.dumps(h).encode()
    hdr += b" " * ((8 - len(hdr) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(hdr)) + hdr + b"".join(blobs))
