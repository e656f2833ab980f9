#!/usr/bin/env python3
"""Checks that Python reads what worldbench writes: a dataset, a checkpoint and the metrics CSVs.

Usage: read_outputs.py <dataset dir> <run dir>
"""
import json
import sys
from pathlib import Path

import pandas as pd
from safetensors.numpy import load_file


def main() -> None:
    dataset, run = Path(sys.argv[1]), Path(sys.argv[2])
    meta = json.loads((dataset / "dataset.json").read_text())
    assert meta["format"] == "worldbench.dataset/1", meta
    arrays = load_file(str(dataset / "data.safetensors"))
    n = arrays["actions"].shape[0]
    assert arrays["frames"].shape == (n, 56, 64, 3) and arrays["frames"].dtype.name == "uint8", arrays["frames"].shape
    assert arrays["episode"].shape == (n,) and arrays["episode"].dtype.name == "uint32"
    assert arrays["tile"].shape == (n, 2) and arrays["tile"].dtype.name == "int16"
    assert arrays["actions"].max() <= 4

    ckpt = load_file(str(run / "checkpoints" / "last.safetensors"))
    for name in ["enc.c1.weight", "enc.fc.weight", "pred.l1.weight", "pred.l3.bias"]:
        assert name in ckpt, f"{name} missing from the checkpoint: {sorted(ckpt)[:8]}"
    assert ckpt["enc.c1.weight"].ndim == 4

    train = pd.read_csv(run / "metrics" / "train.csv")
    assert {"step", "wall_s", "loss"} <= set(train.columns), train.columns
    assert train["loss"].notna().all() and len(train) > 0
    planning = pd.read_csv(run / "metrics" / "planning_metrics.csv")
    expected = ["step", "num_nodes_h", "num_edges_h", "reach_h_median", "reach_h_p10", "reach_h_p90",
                "h_local_success", "test1_success", "test1_steps", "test2_success", "test2_steps",
                "merge_radius", "eval_secs"]
    # The metric contract's columns first, in its order; then the metrics against the world
    # (optional columns a run of today writes when its dataset knows the true tiles).
    world = ["node_purity", "tiles_per_node", "nodes_per_tile", "path_agreement"]
    # Then the researchers' diagnostics of h under their names (empty where not computable).
    theirs = ["h_L", "h_inv_lr", "h_inv_ud", "h_noop_ratio", "h_q_L", "h_q_R", "h_q_U", "h_q_D",
              "h_hit1_at_k", "h_hit2_at_k", "h_mutual_rate", "h_median_neff1", "h_max_in_degree",
              "h_top1pct_mean_in_degree"]
    rates = planning[["h_hit1_at_k", "h_hit2_at_k", "h_mutual_rate"]].dropna()
    assert ((rates >= 0) & (rates <= 1)).all().all(), rates
    # Then each planner's column group (README, "Planners"); training sweeps `graph` by default.
    planners = [f"{p}_{c}" for p in ("graph", "lattice", "mpc")
                for c in ("success", "long_success", "final_distance")]
    assert list(planning.columns) == expected + world + theirs + planners, list(planning.columns)
    assert planning["graph_success"].between(0, 1).all(), planning["graph_success"]
    assert planning[world].notna().all().all(), planning[world]
    assert ((planning[["node_purity", "path_agreement"]] >= 0) & (planning[["node_purity", "path_agreement"]] <= 1)).all().all()
    assert (planning[["tiles_per_node", "nodes_per_tile"]] > 0).all().all(), planning[world]
    assert list(planning["step"]) == [10, 20], list(planning["step"])
    print(f"python read: {n} frames, {len(ckpt)} checkpoint tensors, {len(train)} train rows, "
          f"{len(planning)} planning rows")


if __name__ == "__main__":
    main()
