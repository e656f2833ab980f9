//! The sweep statistics on numbers computed by hand.

use serde_json::json;

use super::*;

fn obs(a: i64, b: &str, seed: u64, value: f64) -> Observation {
    Observation {
        params: [("a".to_string(), json!(a)), ("b".to_string(), json!(b))].into(),
        seed,
        value,
        run: Some(format!("/ws/runs/{a}{b}{seed}").into()),
    }
}

/// a ∈ {1, 2}, b ∈ {x, y}; (1,x): 1, 3; (2,x): 4, 6; (1,y): 2; (2,y): 5.
fn sample() -> Vec<Observation> {
    vec![
        obs(1, "x", 0, 1.0),
        obs(1, "x", 1, 3.0),
        obs(2, "x", 0, 4.0),
        obs(2, "x", 1, 6.0),
        obs(1, "y", 0, 2.0),
        obs(2, "y", 0, 5.0),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

#[test]
fn each_cell_has_its_mean_sample_std_and_n() {
    let cells = by_cell(&sample());
    assert_eq!(cells.len(), 4);
    let c = &cells[0];
    assert_eq!(
        (c.params["a"].clone(), c.seeds.clone()),
        (json!(1), vec![0, 1])
    );
    assert_eq!(c.stats.n, 2);
    assert!(
        close(c.stats.mean, 2.0) && close(c.stats.std, 2f64.sqrt()),
        "{c:?}"
    );
    assert_eq!(c.runs.len(), 2);
    // One seed: std 0.
    assert_eq!(
        cells[2].stats,
        Stats {
            n: 1,
            mean: 2.0,
            std: 0.0
        }
    );
    assert_eq!(Stats::of(&[]), None);
    assert_eq!(cells[1].stats.text(), "5.000 ± 1.414 (n=2)");
}

#[test]
fn marginals_average_over_the_other_parameter_and_seeds() {
    let m = marginals(&sample());
    assert_eq!(
        m.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let a = &m[0].levels;
    assert_eq!((a[0].0.clone(), a[1].0.clone()), (json!(1), json!(2)));
    assert!(close(a[0].1.mean, 2.0) && close(a[0].1.std, 1.0) && a[0].1.n == 3);
    assert!(close(a[1].1.mean, 5.0) && close(a[1].1.std, 1.0));
    let b = &m[1].levels;
    // x: 1, 3, 4, 6 -> mean 3.5, ss 13 / 3; y: 2, 5 -> mean 3.5, std 3/sqrt(2).
    assert!(close(b[0].1.mean, 3.5) && close(b[0].1.std, (13.0f64 / 3.0).sqrt()));
    assert!(close(b[1].1.std, 4.5f64.sqrt()) && b[1].1.n == 2);
}

#[test]
fn spearman_uses_average_ranks_for_ties() {
    // Textbook: ranks of y are 1, 2, 3.5, 5, 3.5 -> rho = 8 / sqrt(95).
    let rho = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0], &[5.0, 6.0, 7.0, 8.0, 7.0]).unwrap();
    assert!(close(rho, 8.0 / 95f64.sqrt()), "{rho}");
    assert!(close(
        spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]).unwrap(),
        -1.0
    ));
    assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
    assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0]), None);
}

#[test]
fn the_numeric_parameter_matters_most_with_its_n() {
    let imp = importance(&sample());
    assert_eq!(imp[0].key, "a");
    assert_eq!(imp[0].n, 6);
    // rx = 2,2,5,5,2,5; ry = 1,3,4,6,2,5: cov 13.5, vx 13.5, vy 17.5.
    let rho = imp[0].rho.unwrap();
    assert!(close(rho, 13.5 / (13.5f64 * 17.5).sqrt()), "{rho}");
    // A string parameter has no rank correlation.
    assert_eq!((imp[1].key.as_str(), imp[1].rho, imp[1].n), ("b", None, 0));
}

#[test]
fn the_heatmap_holds_the_mean_of_each_pair_and_the_best_cell_follows_the_direction() {
    let obs = sample();
    let h = heatmap(&obs, "a", "b");
    assert_eq!(
        (h.xs.clone(), h.ys.clone()),
        (vec![json!(1), json!(2)], vec![json!("x"), json!("y")])
    );
    let mean = |y: usize, x: usize| h.values[y][x].unwrap().mean;
    assert!(close(mean(0, 0), 2.0) && close(mean(0, 1), 5.0));
    assert!(close(mean(1, 0), 2.0) && close(mean(1, 1), 5.0));
    let cells = by_cell(&obs);
    let hi = best(&cells, true).unwrap();
    assert_eq!(
        (hi.params["a"].clone(), hi.params["b"].clone()),
        (json!(2), json!("x"))
    );
    // (2, x) and (2, y) both have mean 5: the best is tied, and both are named.
    let tied: Vec<serde_json::Value> = best_cells(&cells, true)
        .iter()
        .map(|c| c.params["b"].clone())
        .collect();
    assert_eq!(tied, vec![json!("x"), json!("y")]);
    let lo = best(&cells, false).unwrap();
    assert_eq!(lo.params["a"], json!(1));
    assert_eq!(
        best_cells(&cells, false).len(),
        2,
        "(1, x) and (1, y) tie at 2"
    );
    assert_eq!(value_text(&json!("x")), "x");
    assert_eq!(value_text(&json!(0.001)), "0.001");
}

#[test]
fn a_constant_parameter_is_not_varied() {
    let mut o = sample();
    for x in &mut o {
        x.params.insert("steps".into(), json!(100));
    }
    assert_eq!(varied_keys(&o), ["a", "b"]);
}
