#!/usr/bin/python3
"""nninit lab / nninit demo through the CLI, on tiny settings: every
experiment's JSON summary has the keys the README lists; figures are
well-formed SVG; the demo's report is one self-contained page; bad input
gives one line, exit 2 and no output file; missing data names the Debian
package, and $NNINIT_FASHION_MNIST is read by the CLI (the library reads no
environment). Whether the claims hold is lab_verdicts.py's business: no
threshold is restated here.

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
            has(r, ["init", "distinct_units", "test_accuracy", "final_loss"],
                "symmetry run")
        check([r["init"] for r in d["runs"]] == ["zeros", "constant(0.05)", "rule"],
              f"symmetry inits {[r['init'] for r in d['runs']]}")
        check(all(len(r["distinct_units"]) == 2 for r in d["runs"]), "2 layers")

    d = lab("signal", tmp, "--synthetic", "--depth", "30", "--width", "16",
            "--batch", "16", "--acts", "relu", "--init", "kaiming_normal",
            "--init", "small")
    if d:
        for r in d["runs"]:
            has(r, ["activation", "init", "act_std", "grad_std"], "signal run")
            check(len(r["act_std"]) == 30 and len(r["grad_std"]) == 30, "30 layers")
        check([r["init"] for r in d["runs"]] == ["kaiming_normal", "uniform(-0.01,0.01)"],
              f"signal inits {[r['init'] for r in d['runs']]}")

    d = lab("depth", tmp, "--synthetic", "--depth", "12", "--width", "16",
            "--steps", "20", "--log-every", "5", "--train-size", "200",
            "--test-size", "50")
    if d:
        for r in d["runs"]:
            has(r, ["init", "train_loss", "final_train_loss"], "depth run")
            check(len(r["train_loss"]) == 4, "4 logged points")
            check(r["final_train_loss"] == r["train_loss"][-1], "final = last")

    d = lab("selu", tmp, "--depth", "16", "--width", "32", "--batch", "8")
    if d:
        for r in d["runs"]:
            has(r, ["init", "mean", "var"], "selu run")
            check(len(r["mean"]) == 16, "16 layers")
        check(d["runs"][0]["init"] == "lecun_normal", d["runs"][0]["init"])

    # isometry: the keys the README promises, depth for nets, steps for rnn
    d = lab("isometry", tmp, "--width", "8", "--depths", "1,2,4")
    if d:
        check(len(d["runs"]) == 3 * 3 * 3, f"nets x inits x depths: {len(d['runs'])}")
        for r in d["runs"]:
            has(r, ["net", "init", "singular_values", "condition_number"],
                "isometry run")
            key = "steps" if r["net"] == "rnn" else "depth"
            check(key in r and r[key] in (1, 2, 4), f"isometry {key}: {r}")
            sv = r["singular_values"]
            check(len(sv) == 8 and sv == sorted(sv, reverse=True), "8 values, largest first")
            check(abs(r["condition_number"] - sv[0] / sv[-1]) <= 1e-9 * r["condition_number"],
                  "condition number = largest / smallest")
    d = lab("deeplinear", tmp, "--width", "4", "--depths", "2,4", "--steps", "30",
            "--log-every", "5")
    if d:
        check(len(d["runs"]) == 4, "2 inits x 2 depths")
        for r in d["runs"]:
            has(r, ["init", "depth", "steps_to_threshold", "step", "loss",
                    "final_loss"], "deeplinear run")

    d = lab("rnn", tmp, "--steps", "6", "--length", "6", "--hidden", "8",
            "--batch", "4", "--log-every", "3", "--cells", "rnn_relu,lstm,gru",
            "--task", "adding", "--init", "orthogonal", "--init", "eye")
    if d:
        has(d, ["baseline", "runs"], "rnn")
        check(abs(d["baseline"] - 1 / 6) < 1e-9, "adding baseline 1/6")
        check(len(d["runs"]) == 6, "3 cells x 2 inits")
        for r in d["runs"]:
            has(r, ["cell", "init", "final_loss", "test_loss",
                    "grad_through_time"], "rnn run")
            check(len(r["grad_through_time"]) == 6, "gradient at each step")
    d = lab("rnn", tmp, "--task", "copy", "--steps", "2", "--length", "5",
            "--hidden", "8", "--batch", "4", "--cells", "gru", "--init",
            "orthogonal")
    if d:
        check(abs(d["baseline"] - 10 * math.log(8) / 25) < 1e-9, "copy baseline")
    d = lab("rnn", tmp, "--task", "recall", "--steps", "4", "--length", "5",
            "--hidden", "8", "--batch", "4", "--cells", "rnn_tanh",
            "--input-init", "xavier_uniform")
    if d:
        check(d["baseline"] == 1 and d["settings"]["task"] == "recall", "recall")
        check(d["settings"]["input_init"] == "xavier_uniform", d["settings"])
        check(len(d["runs"][0]["grad_through_time"]) == 10, "2 x delay steps")

    d = lab("train", tmp, "--train-size", "300", "--test-size", "100",
            "--epochs", "2", "--batch", "32")
    if d:
        check(len(d["epochs"]) == 2, "2 epochs")
        for e in d["epochs"]:
            has(e, ["epoch", "test_accuracy", "seconds"], "train epoch")
    d = lab("train", tmp, "--train-size", "200", "--test-size", "50",
            "--epochs", "1", "--batch", "50", "--seeds", "2", "--seed", "5")
    if d:
        check([x["seed"] for x in d["seeds"]] == [5, 6], f"seeds {d['seeds']}")
        check(d["epochs"][0]["test_accuracy"] == d["seeds"][0]["final_test_accuracy"],
              "epochs are the first seed's")

    d = lab("residual", tmp, "--depth", "6", "--width", "16", "--hidden", "32",
            "--batch", "16", "--scalings", "none,gpt2,fixup")
    if d:
        check([r["scaling"] for r in d["runs"]] == ["none", "gpt2", "fixup"],
              f"residual scalings {[r['scaling'] for r in d['runs']]}")
        for r in d["runs"]:
            has(r, ["scaling", "std_ratio"], "residual run")
            check(len(r["std_ratio"]) == 6, "6 blocks")
        check(all(x == 1 for x in d["runs"][2]["std_ratio"]), "fixup: the identity")
    d = lab("mup", tmp, "--widths", "8,16", "--base-width", "8", "--steps", "4",
            "--log-every", "2", "--train-size", "200", "--lrs", "0.001,0.01")
    if d:
        check([(r["parametrization"], r["width"]) for r in d["runs"]] ==
              [("sp", 8), ("sp", 16), ("mup", 8), ("mup", 16)], "mup runs")
        for r in d["runs"]:
            has(r, ["parametrization", "width", "lr", "loss", "best_lr",
                    "window_centre_log2"], "mup run")
            check(r["lr"] == [0.001, 0.01] and len(r["loss"]) == 2, "mup lrs")
        check(d["runs"][0]["loss"] == d["runs"][2]["loss"],
              "at the base width muP is the standard parametrization")
    for args, want in [(["residual", "--scalings", "mup"], "mup scales width"),
                       (["residual", "--scalings", "gpt3"], "unknown scaling"),
                       (["mup", "--lrs", "0.1,0.01"], "--lrs must increase"),
                       (["mup", "--widths", "0"], "not a width")]:
        p = run("lab", *args, "--quiet")
        check(p.returncode == 2 and want in p.stderr and p.stderr.count("\n") == 1,
              f"lab {args}: {p.returncode} {p.stderr!r}")

    # --claims: the tour's sections of one experiment, with their verdicts
    js = os.path.join(tmp, "claims.json")
    p = run("lab", "isometry", "--claims", "--tiny", "--quiet", "--json", js)
    check(p.returncode == 0, f"--claims: {p.returncode} {p.stderr}")
    if p.returncode == 0:
        c = json.load(open(js))
        check(c["scale"] == "tiny" and len(c["claims"]) >= 3, f"claims {c}")
        for v in c["claims"]:
            has(v, ["id", "section", "claim", "holds", "predicted", "measured",
                    "per_seed"], "verdict")
        check("verdict:" in p.stdout and "per seed:" in p.stdout, "claims printed")

    # bad input: one line, exit 2, no file
    out = os.path.join(tmp, "bad.json")
    for args, what in [(["lab", "nosuch"], "unknown experiment"),
                       (["lab", "symmetry", "--init", "bogus", "--json", out], "bad init"),
                       (["lab", "signal", "--init", "normal:std=-1", "--json", out], "neg std"),
                       (["lab", "train", "--lr", "0", "--json", out], "lr 0"),
                       (["lab", "rnn", "--cells", "lstm,nope"], "bad cell"),
                       (["lab", "rnn", "--task", "paint"], "bad task"),
                       (["lab", "isometry", "--depths", "4,2"], "depths not increasing"),
                       (["lab", "isometry", "--nets", "cnn"], "bad net"),
                       (["lab", "isometry", "--width", "1", "--json", out], "width 1"),
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
    # missing data: exit 2 naming the package; the CLI maps the variable
    env = dict(os.environ, NNINIT_FASHION_MNIST="/nonexistent-env-dir")
    for args, e in ((["lab", "train", "--data", "/nonexistent"], None),
                    (["demo", "--data", "/nonexistent", "--out", os.path.join(tmp, "d")], None),
                    (["lab", "train"], env)):
        p = subprocess.run([NN, *args], capture_output=True, text=True, env=e)
        check(p.returncode == 2, f"{args}: exit {p.returncode}")
        check("dataset-fashion-mnist" in p.stderr and len(p.stderr.splitlines()) == 1,
              f"{args}: {p.stderr!r}")
    check("/nonexistent-env-dir" in p.stderr, "the variable names the directory")
    # --data wins over the variable
    p = subprocess.run([NN, "lab", "symmetry", "--quiet", "--train-size", "50",
                        "--test-size", "20", "--epochs", "1", "--width", "4",
                        "--data", "/usr/share/datasets/fashion-mnist"],
                       capture_output=True, text=True, env=env)
    check(p.returncode == 0, f"--data over the variable: {p.stderr}")
    # an unwritable JSON path is a runtime failure (1) and writes nothing
    p = run("lab", "selu", "--depth", "2", "--width", "8", "--batch", "4",
            "--quiet", "--json", "/nonexistent-dir/x.json")
    check(p.returncode == 1, f"unwritable json: exit {p.returncode}")
    # --help everywhere
    for args in (["lab", "--help"], ["demo", "--help"]):
        p = run(*args)
        check(p.returncode == 0 and "usage" in p.stdout, f"{args} help")
    # the demo end to end at smoke-test sizes: one self-contained report
    dd = os.path.join(tmp, "demo")
    p = run("demo", "--tiny", "--quiet", "--out", dd)
    check(p.returncode == 0, f"demo --tiny: {p.returncode} {p.stderr}")
    if p.returncode == 0:
        rep = open(os.path.join(dd, "report.html")).read()
        for h in ["0. The seed network", "machine", "OpenBLAS", "load average",
                  "s wall", "s CPU", "Summary:", "Per seed:", "<th>claim</th>",
                  "isometry", "deeplinear", "rnn-memory", "rnn-gradient"]:
            check(h in rep, f"report lacks {h!r}")
        # figures inline (no links to files), and as well-formed SVG
        check("<img" not in rep and 'src="' not in rep, "no external images")
        import re
        svgs = re.findall(r"<svg .*?</svg>", rep, re.S)
        check(len(svgs) >= 15, f"report holds {len(svgs)} figures inline")
        for sv in svgs:
            ET.fromstring(sv)
        # the prose follows the settings that ran: no "20-layer" at --tiny
        for text in (rep, p.stdout):
            check("20-layer" not in text and "30-layer" not in text
                  and "64 SELU" not in text, "tiny prose names tiny settings")
        c = json.load(open(os.path.join(dd, "json", "claims.json")))
        check(c["scale"] == "tiny" and c["total"] == len(c["claims"]) >= 16,
              f"claims.json {c.get('total')}")
        for j in ["symmetry", "signal", "depth", "selu", "isometry",
                  "deeplinear", "rnn-memory", "rnn-gradient", "train"]:
            with open(os.path.join(dd, "json", j + ".json")) as f:
                doc = json.load(f)
                check("claims" in doc and "settings" in doc, j)
        check(len(os.listdir(os.path.join(dd, "figures"))) >= 15, "figure files")
        check("Summary:" in p.stdout and "fc1.weight" in p.stdout, "demo stdout")
    p = run("demo", "--seed-network-only")
    check(p.returncode == 0 and "fc1.weight" in p.stdout and
          "kaiming_uniform" in p.stdout, "seed network section")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
