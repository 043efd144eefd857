#!/usr/bin/python3
"""PyTorch side of the lab's epoch benchmark (run by bench/lab_epoch.sh).

One epoch of the MLP 784-256-128-10 ReLU on Fashion-MNIST, batch 128, SGD with
momentum 0.9, lr 0.05, shuffled, softmax cross-entropy: the same work
`nninit lab train --epochs 1` does. Prints one line per repeat:
    torch epoch_seconds=S test_accuracy=A
Usage: torch_mlp_epoch.py [THREADS] [REPEATS]
"""
import gzip
import sys
import time

import numpy as np
import torch

D = "/usr/share/datasets/fashion-mnist/"


def idx(path, offset):
    with gzip.open(D + path) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torch.set_num_threads(threads)
xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0)
ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255.0)
yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))

for r in range(repeats):
    torch.manual_seed(r)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    perm = torch.randperm(xtr.shape[0])
    for i in range(0, xtr.shape[0], 128):
        idxs = perm[i:i + 128]
        opt.zero_grad(set_to_none=True)
        loss = lossf(net(xtr[idxs]), ytr[idxs])
        loss.backward()
        opt.step()
    t = time.perf_counter() - t0
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"torch epoch_seconds={t:.3f} test_accuracy={acc:.4f}", flush=True)
