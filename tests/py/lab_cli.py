#!/usr/bin/python3
"""nninit lab / nninit demo through the CLI, on tiny settings: every
experiment's JSON summary has the keys the issue lists and points the way
the papers predict; figures are well-formed SVG; bad input gives one line,
exit 2 and no output file; missing data names the Debian package.

Usage: lab_cli.py PATH/TO/nninit
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NN = sys.argv[1] if len(sys.argv) > 1 else os.environ["NNINIT_BIN"]
failures = 0
checks = 0


def check(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", msg, file=sys.stderr)


def run(*args):
    return subprocess.run([NN, *args], capture_output=True, text=True)


def lab(name, tmp, *args):
    js = os.path.join(tmp, name + ".json")
    plots = os.path.join(tmp, name + "-plots")
    p = run("lab", name, "--quiet", "--json", js, "--plot", plots, *args)
    check(p.returncode == 0, f"lab {name}: exit {p.returncode}: {p.stderr}")
    if p.returncode:
        return None
    svgs = [f for f in os.listdir(plots) if f.endswith(".svg")]
    check(len(svgs) >= 1, f"lab {name}: no figure")
    for f in svgs:
        root = ET.parse(os.path.join(plots, f)).getroot()
        check(root.tag.endswith("svg"), f"{f}: not an svg root")
        check(any(e.tag.endswith("polyline") for e in root.iter()), f"{f}: no line")
    with open(js) as f:
        return json.load(f)


def has(obj, keys, what):
    for k in keys:
        check(k in obj, f"{what}: missing key {k!r}")


with tempfile.TemporaryDirectory() as tmp:
    # symmetry on the real Fashion-MNIST files, tiny
    d = lab("symmetry", tmp, "--train-size", "300", "--test-size", "100",
            "--epochs", "2", "--width", "8")
    if d:
        for r in d["runs"]:
            has(r, ["init", "distinct_units", "test_accuracy"], "symmetry run")
        by = {r["init"]: r for r in d["runs"]}
        check(by["zeros"]["distinct_units"] == [1, 1], f"zeros: {by['zeros']}")
        check(by["constant(0.05)"]["distinct_units"] == [1, 1], "constant")
        check(min(by["rule"]["distinct_units"]) >= 6, f"rule: {by['rule']}")
        check(by["rule"]["test_accuracy"] > by["zeros"]["test_accuracy"],
              "rule learns more than zeros")

    d = lab("signal", tmp, "--synthetic", "--depth", "30", "--width", "256",
            "--batch", "16", "--acts", "relu", "--init", "kaiming_normal",
            "--init", "small")
    if d:
        for r in d["runs"]:
            has(r, ["activation", "init", "act_std", "grad_std"], "signal run")
            check(len(r["act_std"]) == 30 and len(r["grad_std"]) == 30, "30 layers")
        he, small = d["runs"]
        ratio = he["act_std"][29] / he["act_std"][0]
        check(0.5 < ratio < 2, f"He keeps relu std within 2x: {ratio}")
        check(small["act_std"][29] / small["act_std"][0] < 1e-6, "small collapses")

    d = lab("depth", tmp, "--synthetic", "--depth", "12", "--width", "16",
            "--steps", "20", "--log-every", "5", "--train-size", "200",
            "--test-size", "50")
    if d:
        for r in d["runs"]:
            has(r, ["init", "train_loss", "final_train_loss"], "depth run")
            check(len(r["train_loss"]) == 4, "4 logged points")
            check(r["final_train_loss"] == r["train_loss"][-1], "final = last")

    d = lab("selu", tmp, "--depth", "16", "--width", "128", "--batch", "32")
    if d:
        for r in d["runs"]:
            has(r, ["init", "mean", "var"], "selu run")
        lecun = d["runs"][0]
        check(lecun["init"] == "lecun_normal", lecun["init"])
        check(all(0.7 < v < 1.4 for v in lecun["var"]), f"lecun var {lecun['var']}")

    d = lab("rnn", tmp, "--steps", "6", "--length", "6", "--hidden", "8",
            "--batch", "4", "--log-every", "3", "--cells", "rnn_relu,lstm,gru",
            "--init", "orthogonal", "--init", "eye")
    if d:
        has(d, ["baseline", "runs"], "rnn")
        check(abs(d["baseline"] - 1 / 6) < 1e-9, "adding baseline 1/6")
        check(len(d["runs"]) == 6, "3 cells x 2 inits")
        for r in d["runs"]:
            has(r, ["cell", "init", "final_loss"], "rnn run")
    d = lab("rnn", tmp, "--task", "copy", "--steps", "2", "--length", "5",
            "--hidden", "8", "--batch", "4", "--cells", "gru", "--init",
            "orthogonal")
    if d:
        check(abs(d["baseline"] - 10 * math.log(8) / 25) < 1e-9, "copy baseline")

    d = lab("train", tmp, "--train-size", "300", "--test-size", "100",
            "--epochs", "2", "--batch", "32")
    if d:
        check(len(d["epochs"]) == 2, "2 epochs")
        for e in d["epochs"]:
            has(e, ["epoch", "test_accuracy", "seconds"], "train epoch")
        check(d["epochs"][-1]["test_accuracy"] > 0.3, "learns something")
    d = lab("train", tmp, "--train-size", "200", "--test-size", "50",
            "--epochs", "1", "--batch", "50", "--seeds", "2", "--seed", "5")
    if d:
        check([x["seed"] for x in d["seeds"]] == [5, 6], f"seeds {d['seeds']}")
        check(d["epochs"][0]["test_accuracy"] == d["seeds"][0]["final_test_accuracy"],
              "epochs are the first seed's")

    # bad input: one line, exit 2, no file
    out = os.path.join(tmp, "bad.json")
    for args, what in [(["lab", "nosuch"], "unknown experiment"),
                       (["lab", "symmetry", "--init", "bogus", "--json", out], "bad init"),
                       (["lab", "signal", "--init", "normal:std=-1", "--json", out], "neg std"),
                       (["lab", "train", "--lr", "0", "--json", out], "lr 0"),
                       (["lab", "rnn", "--cells", "lstm,nope"], "bad cell"),
                       (["lab", "train", "--init", "rule", "--init", "rule"], "2 inits for 3 layers"),
                       (["lab", "signal", "--acts", "softmax"], "unsupported activation"),
                       (["lab", "symmetry", "--epochs", "x"], "not a number"),
                       (["demo", "--threads", "0"], "threads 0")]:
        p = run(*args)
        check(p.returncode == 2, f"{what}: exit {p.returncode}")
        lines = p.stderr.strip().splitlines()
        check(len(lines) == 1 and lines[0].startswith("nninit: "),
              f"{what}: stderr {p.stderr!r}")
        check(not os.path.exists(out), f"{what}: left {out}")
    # missing data: exit 2 naming the package
    for args in (["lab", "train", "--data", "/nonexistent"],
                 ["demo", "--data", "/nonexistent", "--out", os.path.join(tmp, "d")]):
        p = run(*args)
        check(p.returncode == 2, f"{args}: exit {p.returncode}")
        check("dataset-fashion-mnist" in p.stderr and len(p.stderr.splitlines()) == 1,
              f"{args}: {p.stderr!r}")
    # an unwritable JSON path is a runtime failure (1) and writes nothing
    p = run("lab", "selu", "--depth", "2", "--width", "8", "--batch", "4",
            "--quiet", "--json", "/nonexistent-dir/x.json")
    check(p.returncode == 1, f"unwritable json: exit {p.returncode}")
    # --help everywhere
    for args in (["lab", "--help"], ["demo", "--help"]):
        p = run(*args)
        check(p.returncode == 0 and "usage" in p.stdout, f"{args} help")
    # the demo end to end at smoke-test sizes: report, figures, JSON
    dd = os.path.join(tmp, "demo")
    p = run("demo", "--tiny", "--quiet", "--out", dd)
    check(p.returncode == 0, f"demo --tiny: {p.returncode} {p.stderr}")
    if p.returncode == 0:
        rep = open(os.path.join(dd, "report.md")).read()
        for h in ["## 0. The seed network", "## 1.", "## 2.", "## 3.", "## 4.",
                  "## 5.", "## 6.", "## Summary", "| claim | predicted | measured"]:
            check(h in rep, f"report lacks {h!r}")
        import re
        figs = re.findall(r"\]\((figures/[^)]+\.svg)\)", rep)
        check(len(figs) >= 10, f"report links {len(figs)} figures")
        for f in figs:
            check(os.path.exists(os.path.join(dd, f)), f"missing {f}")
        for j in ["symmetry", "signal", "depth", "selu", "rnn", "train-rule"]:
            with open(os.path.join(dd, "json", j + ".json")) as f:
                check("runs" in json.load(f) or j.startswith("train"), j)
        check("Summary:" in p.stdout and "fc1.weight" in p.stdout, "demo stdout")
    p = run("demo", "--seed-network-only")
    check(p.returncode == 0 and "fc1.weight" in p.stdout and
          "kaiming_uniform" in p.stdout, "seed network section")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
