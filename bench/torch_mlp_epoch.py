#!/usr/bin/python3
"""PyTorch side of the lab's epoch benchmark (bench/lab_vs_torch.py runs it).

The same work as `nninit lab train --epochs 2 --constant-lr`: the MLP
784-256-128-10 ReLU on Fashion-MNIST (all 60000 images), batch 128, SGD with
momentum 0.9, lr 0.05, reshuffled each epoch, softmax cross-entropy. Prints
one line per epoch:  torch epoch=E seconds=S test_accuracy=A
Usage: torch_mlp_epoch.py THREADS EPOCHS
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


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(threads)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16)
                           .reshape(-1, 784).astype(np.float32) / 255.0)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
    xte = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz", 16)
                           .reshape(-1, 784).astype(np.float32) / 255.0)
    yte = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    for e in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(xtr.shape[0])
        for i in range(0, xtr.shape[0], 128):
            b = perm[i:i + 128]
            opt.zero_grad(set_to_none=True)
            loss = lossf(net(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
        t = time.perf_counter() - t0
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"torch epoch={e + 1} seconds={t:.3f} test_accuracy={acc:.4f}",
              flush=True)


if __name__ == "__main__":
    main()
