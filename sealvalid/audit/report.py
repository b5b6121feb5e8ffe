"""The one-command audit report: a board's reliability at a glance, as one self-contained HTML page.

:func:`audit_votes_report` (a vote table) and :func:`audit_table_report` (a published table without
votes) build a :class:`sealvalid.plots.report.Report`: the board with intervals, rank intervals,
the fragility table and figures, worst case against random drops, votes needed per pair, segment
boards with their minimum cell sizes, the style-control effect when style columns exist, and what
it all means in plain words. ``sealvalid audit`` writes it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sealvalid.plots.report import Report

__all__ = ["AuditOutput", "audit_votes_report", "audit_table_report", "PAPER_TOP_FLIP"]

#: arXiv 2508.11847: dropping 2 of 57,477 Chatbot Arena votes flips the top model
PAPER_TOP_FLIP = (2, 57_477)
_MIN_CELL = 50  # models with fewer votes than this in a segment are flagged


@dataclass
class AuditOutput:
    """What an audit produced: the report and the tables behind it.

    Attributes
    ----------
    report : Report
    tables : dict
        Name -> DataFrame (``fragility``, ``flip_votes``, ``added_votes``, ``board``, ``pairs``,
        ``segments`` ... depending on the input).
    summary : dict
        Headline figures.
    config : dict
        Settings, seed and timings.
    """

    report: Report
    tables: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)


def _pct(x) -> str:
    """Format a share as a readable percentage (more digits for small shares)."""
    if x is None or x is pd.NA or not np.isfinite(float(x)):
        return "–"
    p = 100 * float(x)
    if p == 0:
        return "0%"
    for limit, digits in ((10, 0), (1, 1), (0.1, 2), (0.01, 3)):
        if p >= limit:
            return f"{p:.{digits}f}%"
    return f"{p:.4f}%"


def _n(x) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)) or x is pd.NA:
        return "–"
    return f"{int(round(float(x))):,}"


def _verdict(k, share) -> tuple[str, str]:
    """Words and colour for the votes (count ``k`` and share) that flip the top spot."""
    if k is None or k is pd.NA:
        return "robust: no flip found within the search budget", "good"
    if k <= 10:
        return "decided by a handful of votes", "bad"
    if share is None or not np.isfinite(share):
        return f"decided by about {int(k):,} votes (share unknown: no vote counts)", "warn"
    if share <= 0.01:
        return f"fragile: {int(k):,} votes, under 1% of the votes, decide it", "bad"
    if share <= 0.05:
        return "moderately robust (1–5% of the votes decide it)", "warn"
    return "robust (more than 5% of the votes decide it)", "good"


def _style_columns_present(votes: pd.DataFrame) -> bool:
    from sealvalid.data.schema import STYLE_COLUMNS

    return all(c in votes.columns for c in STYLE_COLUMNS) and bool(
        votes[list(STYLE_COLUMNS)].notna().all(axis=1).any())


def _fig(plot, *args, figsize=None, **kwargs):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    plot(*args, ax=ax, **kwargs)
    return fig, ax


def _height(n: int, per: float = 0.26, extra: float = 1.5) -> float:
    return max(2.6, per * n + extra)


# ---------------------------------------------------------------------------------------------
# votes
# ---------------------------------------------------------------------------------------------


def audit_votes_report(votes: pd.DataFrame, *, by=(), rng=None, title: str | None = None,
                       source: str | None = None, min_votes: int = 300, n_random: int = 100,
                       max_share: float = 0.25, add: bool = True, top: int = 30,
                       **fragility_params) -> AuditOutput:
    """Audit a board from its votes and build the report.

    Parameters
    ----------
    votes : pandas.DataFrame
        Canonical vote table.
    by : sequence of str
        Segment columns (one board per segment, with their minimum cell sizes and the top-spot
        drop-k of each).
    rng : int, numpy.random.Generator or None
        Randomness of the random-drop baseline (an int seed is recorded).
    title, source : str, optional
        Report title and the data source named under it.
    min_votes : int
        Segments with fewer votes are not rated.
    n_random : int
        Random-drop draws per pair.
    max_share : float
        Drop-k search budget (share of the votes).
    add : bool
        Search add-k too.
    top : int
        Pairs and models shown in the figures (the full tables are written beside the report).
    **fragility_params
        Passed to :class:`sealvalid.audit.FragilityAudit`.

    Returns
    -------
    AuditOutput
    """
    import matplotlib

    matplotlib.use("Agg")
    from sealvalid.audit.power import power_table
    from sealvalid.audit.table import table_fragility
    from sealvalid.audit.vote_audit import FragilityAudit
    from sealvalid.plots import plot_leaderboard, plot_segment_heatmap, plot_style_effect
    from sealvalid.plots.fragility import (
        plot_drop_curve,
        plot_fragility,
        plot_pair_confidence,
        plot_power,
        plot_rank_intervals,
    )
    from sealvalid.rating import rate, segment_boards
    from sealvalid.rating.segments import parse_by

    t_start = time.perf_counter()
    by = parse_by(by)
    seed = int(rng) if isinstance(rng, int | np.integer) else None
    streams = np.random.default_rng(rng).spawn(2)
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    fa = FragilityAudit(max_share=max_share, add=add, n_random=n_random, **fragility_params)
    fa.fit(votes)
    res = fa.run(rng=streams[0])
    timings["fragility_s"] = time.perf_counter() - t0
    frag = res.table
    summ = res.summary()
    n_used = res.config["n_votes_used"]
    board = rate(votes, ties=fa.ties, bothbad=fa.bothbad, disconnected="per_component")
    btab = board.table
    adj = frag[frag["kind"] == "adjacent"].reset_index(drop=True)
    top_row = frag[frag["kind"] == "top_spot"].iloc[0] if len(frag) else None
    n_models = res.config["n_models"]

    # pairs with vote counts for the power view
    nb = res.board.set_index("model")["n_battles"]
    adj = adj.assign(n_above=nb.reindex(adj["model_above"]).to_numpy(float),
                     n_below=nb.reindex(adj["model_below"]).to_numpy(float))
    from sealvalid.audit.power import pair_power

    adj = pair_power(adj)
    counts = votes["winner"].value_counts()
    tie_rate = float((counts.get("tie", 0) + counts.get("tie_bothbad", 0)) / max(len(votes), 1))

    # the table-only approximation on this same board, to calibrate it against the verified k
    own = table_fragility(btab.rename(columns={"n_battles": "n_votes"}), rng=streams[1])
    approx = own.pairs.set_index(["model_above", "model_below"])["drop_k_approx"]
    ratio = (approx.reindex(list(zip(adj["model_above"], adj["model_below"], strict=True)))
             .to_numpy(float) / adj["drop_k"].astype("Float64").to_numpy(float, na_value=np.nan))
    ratio = ratio[np.isfinite(ratio)]

    rep = Report(title or "Leaderboard fragility audit",
                 subtitle=(f"{source + ' — ' if source else ''}{n_used:,} votes, {n_models} "
                           f"models; Bradley–Terry, ties {fa.ties}; seed {seed}"))

    # ------------------------------------------------------------------ at a glance
    share = None if top_row is None or pd.isna(top_row["drop_k"]) else float(
        top_row["drop_share"])
    words, kind = _verdict(None if top_row is None else top_row["drop_k"], share)
    n_conf = int((adj["p_correct_order"] >= 0.95).sum())
    k1pct = summ["n_adjacent_flip_1pct"]
    rep.add_heading("At a glance")
    metrics = [
        (f"{n_used:,}", f"votes in the fit, {n_models} models"),
        (_n(top_row["drop_k"]) if top_row is not None else "–",
         f"votes dropped to dethrone #1 ({_pct(share) if share else 'none found'})", kind),
        (f"{k1pct}/{len(adj)}", "adjacent pairs flipped by dropping ≤ 1% of votes",
         "bad" if k1pct > len(adj) / 2 else ("warn" if k1pct else "good")),
        (f"{n_conf}/{len(adj)}", "adjacent pairs ordered with ≥ 95% confidence",
         "good" if n_conf == len(adj) else ("warn" if n_conf >= len(adj) / 2 else "bad")),
    ]
    if top_row is not None and not pd.isna(top_row["add_k"]):
        metrics.append((_n(top_row["add_k"]), f"votes added to dethrone #1 (rigging distance, "
                                              f"{_pct(top_row['add_share'])})"))
    rep.add_metrics(metrics)
    lines = []
    if top_row is not None:
        top_m, ch = top_row["model_above"], top_row["model_below"]
        if share is not None:
            lines.append(
                f"**The top spot is {words}.** Dropping {_n(top_row['drop_k'])} of {n_used:,} "
                f"votes ({_pct(share)}) puts **{ch}** above **{top_m}** — a flip confirmed by "
                f"refitting the board without those votes (listed below).")
            if not pd.isna(top_row["random_flip_rate"]):
                lines.append(
                    f"Dropping the same number of votes *at random* flipped it in "
                    f"{_pct(top_row['random_flip_rate'])} of {_n(top_row['n_random'])} draws "
                    f"(Monte Carlo s.e. {_pct(top_row['random_flip_se'])}; 95% upper bound "
                    f"{_pct(top_row['random_flip_upper95'])}): the board is robust to noise "
                    "but not to a targeted few." if top_row["random_flip_rate"] < 0.05 else
                    f"Dropping the same number of votes *at random* flipped it in "
                    f"{_pct(top_row['random_flip_rate'])} of draws: the top pair is within "
                    "noise.")
        else:
            lines.append(f"**The top spot is {words}**: no removal of up to "
                         f"{max_share:.0%} of the votes put another model above **{top_m}**.")
        pk, pn = PAPER_TOP_FLIP
        lines.append(
            f"For scale: Huang et al. (arXiv 2508.11847) found that {pk} of {pn:,} Chatbot Arena "
            f"votes ({_pct(pk / pn)}) flip the top model, while MT-bench's expert votes needed "
            "far more.")
        lines.append(
            f"Rating gap at the top: {top_row['gap']:.1f} points (± {1.96 * top_row['se_gap']:.1f}"
            f" at 95%), P(correct order) = {top_row['p_correct_order']:.2f}.")
    lines.append(
        f"**Below the top**: {k1pct} of {len(adj)} adjacent pairs flip by dropping at most 1% of "
        f"the votes, {summ['n_adjacent_flip_1vote']} of them with a single vote; only {n_conf} "
        "are ordered with at least 95% confidence. Read the board as tiers of models whose rank "
        "intervals overlap, not as a strict order.")
    rep.add_text("\n\n".join(lines), kind=kind)

    # ------------------------------------------------------------------ the board
    rep.add_heading("The board, with 95% intervals")
    shown = btab.head(top)
    fig, _ = _fig(plot_leaderboard, board, top=top, figsize=(7.5, _height(len(shown), 0.27)))
    rep.add_figure(fig, caption="Bradley–Terry ratings (Arena scale) with 95% sandwich intervals;"
                                " the number after each name is LMArena's rank (1 + models "
                                "significantly better).")
    rep.add_table(btab[["model", "rating", "lower", "upper", "rank", "rank_lower", "rank_upper",
                        "n_battles"]], max_rows=top,
                  formats={"rating": ".1f", "lower": ".1f", "upper": ".1f"},
                  columns={"rank_lower": "best rank", "rank_upper": "worst rank",
                           "n_battles": "votes"})

    rep.add_heading("Rank intervals")
    fig, _ = _fig(plot_rank_intervals, btab, top=top, figsize=(7.5, _height(len(shown), 0.24)))
    rep.add_figure(fig, caption="Plausible ranks of each model: from its rank (dot) to the worst "
                                "rank its interval allows. Long bars = the position is not "
                                "determined by the votes.")

    # ------------------------------------------------------------------ fragility
    rep.add_heading("Fragility: how few votes decide each pair")
    rep.add_text(
        "For each adjacent pair, **drop-k** is the smallest number of votes whose removal flips "
        "the pair: votes are ranked by their first-order (influence-function) effect on the "
        "rating gap, removed greedily, and every claimed flip is **verified by an exact refit** "
        "of the board without them (the method of arXiv 2508.11847). **add-k** is the fewest "
        "added votes that flip it (the rigging distance). Both are upper bounds on the true "
        "minimum.")
    n_ver = int(frag["drop_verified"].sum())
    n_found = int(frag["drop_k"].notna().sum())
    rep.add_text(f"{n_found} flips found, {n_ver} confirmed by refit "
                 f"({res.config['n_refits']:,} exact refits in "
                 f"{res.config['timings_s']['total_s']:.1f} s).", kind="note")
    nshow = min(len(adj), top)
    fig, _ = _fig(plot_fragility, frag, top=top, n_votes=n_used,
                  budget=res.config["drop_budget_votes"], figsize=(7.5, _height(nshow)))
    rep.add_figure(fig, caption="Votes that flip each adjacent pair (red ≤ 10, orange ≤ 100, "
                                "green > 100 dropped votes).")
    fig, _ = _fig(plot_pair_confidence, adj, top=top, figsize=(7.5, _height(nshow)))
    rep.add_figure(fig, caption="Probability that each adjacent pair is in the right order "
                                "(normal approximation, sandwich standard error of the gap).")
    cols = ["kind", "rank", "model_above", "model_below", "gap", "se_gap", "p_correct_order",
            "n_pair_votes", "drop_k", "drop_share", "drop_k_first_order", "add_k",
            "random_flip_rate", "random_flip_upper95"]
    rep.add_table(frag[cols], max_rows=top + 1,
                  formats={"drop_share": ".3%", "random_flip_rate": ".1%",
                           "random_flip_upper95": ".1%", "gap": ".1f", "se_gap": ".1f",
                           "p_correct_order": ".2f"},
                  columns={"p_correct_order": "P(correct)", "n_pair_votes": "direct votes",
                           "drop_k_first_order": "first-order k",
                           "random_flip_rate": "random flip rate",
                           "random_flip_upper95": "random 95% upper"},
                  caption="Fragility table (gap and s.e. in rating points; drop share of the "
                          "votes in the fit; random: drops of the same size).")
    removed = res.removed
    top_votes = removed[removed["kind"] == "top_spot"]
    if len(top_votes):
        ch = top_votes["model_below"].iloc[0]
        rep.add_table(top_votes.drop(columns=["kind", "rank", "model_above", "model_below"]),
                      max_rows=60, formats={"row": "d"},
                      caption=f"The {len(top_votes)} votes whose removal puts {ch} above #1 "
                              "(`row` is the position in the audited vote table, counting "
                              "from 0; all of them are in `flip_votes.csv`).")
    added = res.added
    top_add = added[added["kind"] == "top_spot"]
    if len(top_add):
        rep.add_text("Votes that would dethrone #1 if added: " + "; ".join(
            f"{r.n_votes} × {r.winner_model} beats {r.loser_model}"
            for r in top_add.itertuples()) + ".")

    if res.curve is not None and top_row is not None:
        rep.add_heading("Worst case against random drops", level=3)
        fig, _ = _fig(plot_drop_curve, res.curve,
                      label=f"{adj['model_above'].iloc[0]} › {adj['model_below'].iloc[0]}",
                      figsize=(6.8, 3.6))
        rep.add_figure(fig, caption="Rating gap of the top pair after dropping k votes: the most "
                                    "influential votes first (each point an exact refit) against "
                                    "random votes (mean and 95% range of the draws).")
    if len(ratio):
        rep.add_text(
            f"Check of the table-only approximation (used when a board publishes no votes) on "
            f"this board: its votes-to-flip is a median {np.median(ratio):.1f}× the verified "
            f"drop-k (range {np.min(ratio):.1f}–{np.max(ratio):.1f}× over {len(ratio)} pairs).",
            kind="note")

    # ------------------------------------------------------------------ power
    rep.add_heading("Votes needed")
    ptab = power_table(tie_rate=tie_rate)
    rep.add_text(
        f"How many votes separate two models Δ points apart (two-sided 95% level, 80% power) at "
        f"this board's tie rate of {tie_rate:.0%}: votes per model when each plays the common "
        "field, or direct votes between the two.")
    rep.add_table(ptab, formats={"win_prob": ".3f", "votes_per_model": ",.0f",
                                 "votes_head_to_head": ",.0f", "delta": ".0f"},
                  columns={"delta": "Δ (points)", "win_prob": "P(better model wins)",
                           "votes_per_model": "votes per model (vs the field)",
                           "votes_head_to_head": "direct votes (head to head)"})
    fig, _ = _fig(plot_power, adj, top=top, figsize=(7.5, _height(nshow)))
    med_ratio = float(np.nanmedian(adj["needed_ratio"].replace(np.inf, np.nan))) \
        if len(adj) else math.nan
    rep.add_figure(fig, caption="Votes each adjacent pair has (both models together) against the "
                                "votes needed to separate its observed gap (80% power); "
                                f"median ratio needed/now: {med_ratio:.1f}.")

    tables = {"fragility": frag, "flip_votes": removed, "added_votes": added,
              "board": btab, "pairs_power": adj}

    # ------------------------------------------------------------------ segments
    rep.add_heading("Segment boards")
    if by:
        t0 = time.perf_counter()
        seg = segment_boards(votes, by, min_votes=min_votes, ties=fa.ties, bothbad=fa.bothbad)
        segs = seg.segments.copy()
        extra = []
        for key, bt in seg.fits.items():
            nbat = bt.n_battles_
            sub = votes
            for c, v in zip(by, key, strict=True):
                sub = sub[sub[c].astype(object).where(sub[c].notna(), "<missing>") == v]
            try:
                sres = FragilityAudit(ties=fa.ties, bothbad=fa.bothbad, add=False, n_random=0,
                                      curve_points=0, max_share=max_share).fit(sub).run()
                st = sres.table.iloc[0]
                tk, tsh, tm = st["drop_k"], st["drop_share"], st["model_above"]
            except ValueError:
                tk, tsh, tm = pd.NA, math.nan, None
            extra.append({**dict(zip(by, key, strict=True)), "min_votes_per_model": int(
                nbat.min()), f"models_under_{_MIN_CELL}": int((nbat < _MIN_CELL).sum()),
                "top_model": tm, "top_drop_k": tk, "top_drop_share": tsh})
        if extra:
            segs = segs.merge(pd.DataFrame(extra), on=by, how="left")
        segs["status"] = segs["status"].astype(str).str.slice(0, 60)
        timings["segments_s"] = time.perf_counter() - t0
        rep.add_text(
            f"One board per {' × '.join(by)} (segments with fewer than {min_votes:,} votes are "
            f"not rated). **Minimum cell size**: the fewest votes behind any rated model in the "
            f"segment; models with under {_MIN_CELL} votes in a segment are counted. The last "
            "columns give each segment's top model and how many votes dethrone it.")
        rep.add_table(segs, max_rows=80, formats={"top_drop_share": ".2%"})
        if len(seg.table) and len(by) == 1 and seg.table[by[0]].nunique() > 1:
            st = seg.table
            nm = min(20, st["model"].nunique())
            fig, _ = _fig(plot_segment_heatmap, st, by[0], value="rank", top=nm,
                          figsize=(1.2 + 0.75 * st[by[0]].nunique(), 0.3 * nm + 1.6))
            rep.add_figure(fig, caption=f"Rank of each model per {by[0]} (the best 20 on "
                                        "average): where segments disagree.")
        tables["segments"] = segs
    else:
        cand = [c for c in ("language", "category", "country", "age_band", "education",
                            "profession", "rater_type") if c in votes.columns
                and votes[c].nunique() > 1]
        rep.add_text("No segments requested" + (
            f"; this table could be segmented by {', '.join(cand)} (`--by COL`)."
            if cand else "."), kind="note")

    # ------------------------------------------------------------------ style
    rep.add_heading("Style control")
    if _style_columns_present(votes):
        from sealvalid.data.schema import VoteTableError

        try:
            styled = rate(votes, style_control=True, ties=fa.ties, bothbad=fa.bothbad)
        except (VoteTableError, ValueError) as exc:
            rep.add_text(f"Style control could not be fitted: {str(exc).splitlines()[0]}",
                         kind="note")
        else:
            s = styled.style
            rep.add_text(
                "Ratings with style covariates (normalised differences in length, headers, "
                "lists and bold, as LMArena does): how much of the board is presentation "
                "rather than substance.")
            rep.add_table(s, formats={"coef": ".3f", "coef_rating": ".1f", "se": ".3f",
                                      "lower": ".3f", "upper": ".3f"},
                          columns={"coef_rating": "coef (rating points)"})
            fig, _ = _fig(plot_style_effect, board, styled, top=top,
                          figsize=(7.5, _height(min(top, len(btab)), 0.27)))
            rep.add_figure(fig, caption="Rating of each model without and with style control.")
            moved = (styled.table.set_index("model")["rank"]
                     - btab.set_index("model")["rank"]).abs()
            rep.add_text(f"{int((moved > 0).sum())} of {len(moved)} models change rank under "
                         "style control.", kind="note")
            tables["style"] = s
    else:
        rep.add_text("The vote table has no style columns (`style_{tokens,headers,lists,bold}_"
                     "{a,b}`), so the style-control effect cannot be estimated.", kind="note")

    # ------------------------------------------------------------------ method
    rep.add_heading("Method and assumptions")
    cfg = res.config
    rep.add_list([
        f"Bradley–Terry maximum likelihood on the Arena scale (1000 + 400/ln 10 · θ); ties "
        f"{'count half a win each way' if fa.ties == 'half' else 'are left out'}; "
        f"regularisation: {cfg['regularization']}.",
        "Influence of a vote on the gap θ_a − θ_b: −w (s − p)(u_i − u_j) with u = H⁺(e_a − e_b) "
        "at the fit; votes with the same pair, outcome and weight share it, so the search works "
        "on such groups with counts.",
        f"Search budget: at most {cfg['drop_budget_votes']:,} dropped votes "
        f"({max_share:.0%}); add-k on {'observed' if cfg['add_pairs'] == 'observed' else 'all'} "
        "model pairs. Refits are exact (chord-Newton from the fit to a step below 1e-10, full "
        "Newton when that stalls); a removal that disconnects the comparison graph never counts "
        "as a flip.",
        f"Random baseline: {n_random} uniform draws of the same number of votes per pair, each "
        "refitted exactly; Monte Carlo standard errors and one-sided 95% Clopper–Pearson upper "
        "bounds reported.",
        "P(correct order) = Φ(gap / s.e.), sandwich standard error of the gap (covariance "
        "included).",
    ] + ([f"Excluded from the fit: {cfg['excluded']}"] if cfg["excluded"] else []))
    timings["total_s"] = time.perf_counter() - t_start
    config = {"seed": seed, "n_votes": int(len(votes)), "n_votes_used": n_used, "by": by,
              "min_votes": min_votes, "n_random": n_random, "max_share": max_share,
              "timings_s": timings, "fragility": cfg}
    rep.add_text(f"Seed {seed}; {len(votes):,} rows read, {n_used:,} in the fit; audit "
                 f"{timings['total_s']:.1f} s.", kind="note")
    summary = {**summ, "tie_rate": tie_rate, "n_adjacent_p95": n_conf,
               "table_approx_ratio_median": float(np.median(ratio)) if len(ratio) else math.nan}
    return AuditOutput(report=rep, tables=tables, summary=summary, config=config)


# ---------------------------------------------------------------------------------------------
# published table
# ---------------------------------------------------------------------------------------------


def audit_table_report(table: pd.DataFrame, *, by=(), rng=None, title: str | None = None,
                       source_name: str | None = None, source: str | None = None,
                       board: str | None = None, category: str | None = None, date=None,
                       top: int = 30) -> AuditOutput:
    """Audit a published board from its table alone (no votes) and build the report.

    Parameters
    ----------
    table : pandas.DataFrame
        A tidy board table (:func:`sealvalid.data.read_leaderboard`).
    by : sequence of str
        Only ``"category"`` is meaningful for a table: one summary row per category of the same
        snapshot.
    rng : int, numpy.random.Generator or None
        Randomness of the rank simulation.
    title, source_name : str, optional
        Report title; the file the table came from.
    source, board, category, date
        Snapshot selection (see :func:`sealvalid.audit.table.select_snapshot`).
    top : int
        Pairs and models shown in the figures.

    Returns
    -------
    AuditOutput
    """
    import matplotlib

    matplotlib.use("Agg")
    from sealvalid.audit.table import select_snapshot, table_fragility
    from sealvalid.plots import plot_leaderboard
    from sealvalid.plots.fragility import (
        plot_fragility,
        plot_pair_confidence,
        plot_power,
        plot_rank_intervals,
    )
    from sealvalid.rating.segments import parse_by

    t_start = time.perf_counter()
    by = parse_by(by)
    bad = [c for c in by if c != "category"]
    if bad:
        raise ValueError(f"a published table can only be segmented by 'category', got {bad}")
    seed = int(rng) if isinstance(rng, int | np.integer) else None
    ta = table_fragility(table, source=source, board=board, category=category, date=date,
                         rng=rng)
    cfg = ta.config
    m, p = ta.models, ta.pairs
    s = ta.summary()
    snap = " / ".join(str(cfg.get(k)) for k in ("source", "board", "category", "date")
                      if cfg.get(k))
    rep = Report(title or "Leaderboard fragility audit (published table)",
                 subtitle=f"{source_name + ' — ' if source_name else ''}{snap}; {len(m)} models; "
                          "no votes: figures are approximations from the published ratings, "
                          "intervals and vote counts")
    top_p = p.iloc[0] if len(p) else None
    rep.add_heading("At a glance")
    n_conf = int((p["p_correct_order"] >= 0.95).sum())
    dk = None if top_p is None else top_p["drop_k_approx"]
    share = None if top_p is None else top_p["drop_share_approx"]
    words, kind = _verdict(dk, share)
    metrics = [
        (f"{len(m)}", "models with a rating and an interval"),
        (f"{top_p['p_correct_order']:.2f}" if top_p is not None else "–",
         "P(#1 and #2 correctly ordered)",
         "good" if top_p is not None and top_p["p_correct_order"] >= 0.95 else "warn"),
        (f"≈ {_n(dk)}", "votes dropped to flip #1 and #2 ("
         + (f"{_pct(share)}; " if share is not None and np.isfinite(share) else "")
         + "approximate)", kind),
        (f"{n_conf}/{len(p)}", "adjacent pairs ordered with ≥ 95% confidence",
         "good" if n_conf == len(p) else ("warn" if n_conf >= len(p) / 2 else "bad")),
        (f"≈ {_n(s['median_adjacent_drop_k_approx'])}", "votes that flip the median adjacent "
                                                        "pair (approximate)"),
    ]
    rep.add_metrics(metrics)
    lines = []
    if top_p is not None:
        lines.append(
            f"**#1 {top_p['model_above']}** leads **{top_p['model_below']}** by "
            f"{top_p['gap']:.1f} points (± {1.96 * top_p['se_gap']:.1f}); the published order "
            f"of the two is right with probability {top_p['p_correct_order']:.2f}. By the "
            f"table-only approximation, dropping about {_n(dk)} votes"
            + (f" ({_pct(share)} of the board's votes)" if share is not None
               and np.isfinite(share) else "")
            + f" or adding about {_n(top_p['add_k_approx'])} would flip them: "
            f"the top spot is {words}"
            + (" — although the order is statistically clear." if
               top_p["p_correct_order"] >= 0.95 and kind == "bad" else "."))
    if cfg.get("integer_ratings"):
        lines.append("The ratings are published rounded to whole points, so a gap of 0 is a tie "
                     "at the published precision (true gaps are uncertain by up to ±1 point).")
    lines.append(
        f"Only {n_conf} of {len(p)} adjacent pairs are ordered with at least 95% confidence; "
        f"{s['n_rank_ties']} of {len(m)} models share their rank range with a neighbour. Read "
        "the board as tiers, not a strict order.")
    pk, pn = PAPER_TOP_FLIP
    lines.append(
        f"For scale: with the votes, Huang et al. (arXiv 2508.11847) found that {pk} of {pn:,} "
        f"Chatbot Arena votes ({_pct(pk / pn)}) flip the top model.")
    rep.add_text("\n\n".join(lines), kind=kind)

    rep.add_heading("The board, with published 95% intervals")
    btab = m.rename(columns={"n_votes": "n_battles"})
    nshow = min(top, len(m))
    fig, _ = _fig(plot_leaderboard, btab, top=top, figsize=(7.5, _height(nshow, 0.27)))
    rep.add_figure(fig, caption="Published ratings and 95% intervals; the number after each name "
                                "is the rank by LMArena's rule recomputed from the intervals.")
    rep.add_table(m, max_rows=top, columns={"rank_upper": "worst rank",
                                            "rank_sim_lower": "sim. best",
                                            "rank_sim_upper": "sim. worst",
                                            "published_rank": "published rank"})
    rep.add_heading("Rank intervals")
    fig, _ = _fig(plot_rank_intervals, m, top=top, figsize=(7.5, _height(nshow, 0.24)))
    rep.add_figure(fig, caption="Plausible ranks: the interval rule (thin) and the central 95% of "
                                "ranks when each rating is drawn from its normal (thick).")

    rep.add_heading("Fragility (approximate, from the table)")
    fig, _ = _fig(plot_fragility, p, top=top, n_votes=cfg.get("n_votes_total"),
                  figsize=(7.5, _height(min(top, len(p)))))
    rep.add_figure(fig, caption="Approximate votes that flip each adjacent pair.")
    fig, _ = _fig(plot_pair_confidence, p, top=top, figsize=(7.5, _height(min(top, len(p)))))
    rep.add_figure(fig, caption="Probability that each adjacent pair is in the right order.")
    rep.add_table(p[["rank", "model_above", "model_below", "gap", "se_gap", "p_correct_order",
                     "n_pair_est", "drop_k_approx", "drop_share_approx", "add_k_approx"]],
                  max_rows=top, formats={"drop_share_approx": ".4%", "gap": ".1f",
                                         "se_gap": ".1f", "p_correct_order": ".2f",
                                         "n_pair_est": ",.0f"},
                  columns={"p_correct_order": "P(correct)", "n_pair_est": "direct votes (est.)",
                           "drop_k_approx": "drop-k ≈", "drop_share_approx": "share ≈",
                           "add_k_approx": "add-k ≈"})
    rep.add_text("**The approximation, stated.**", kind=None)
    rep.add_list(cfg["assumptions"] + [
        "Published intervals are bootstrap/sandwich intervals, which shrink with ties; one "
        "vote's influence runs through the inverse Hessian, so the approximation tends to "
        "overstate votes-to-flip (on real vote logs the audit of the votes checks it against "
        "the verified drop-k)."])

    tables = {"models": m, "pairs": p}
    if p["n_now"].notna().any():
        rep.add_heading("Votes needed")
        fig, _ = _fig(plot_power, p, top=top, figsize=(7.5, _height(min(top, len(p)))))
        med = float(np.nanmedian(p["needed_ratio"].replace(np.inf, np.nan)))
        rep.add_figure(fig, caption="Votes each adjacent pair has against the votes needed to "
                                    "separate its published gap with 80% power at the 5% level "
                                    f"(standard error scaled as 1/√votes); median ratio "
                                    f"needed/now: {med:.1f}.")
    if by:
        rep.add_heading("Categories")
        rows = []
        wide_all = table
        from sealvalid.data.boards import board_wide

        if "metric" in wide_all.columns:
            wide_all = board_wide(wide_all)
        sel = {"source": cfg.get("source"), "board": cfg.get("board")}
        cats = sorted(wide_all.loc[(wide_all["source"] == sel["source"])
                                   & (wide_all["board"] == sel["board"]), "category"]
                      .astype(str).unique())
        for cat in cats:
            try:
                sub, _ = select_snapshot(wide_all, source=sel["source"], board=sel["board"],
                                         category=cat, date=cfg.get("date"))
                cta = table_fragility(sub, rng=rng)
            except (ValueError, KeyError):
                continue
            cs = cta.summary()
            rows.append({"category": cat, "n_models": cs["n_models"],
                         "top_model": cs["top_model"],
                         "p_top_pair_correct": cs["top_pair_p_correct"],
                         "top_drop_k_approx": cs["top_pair_drop_k_approx"],
                         "adjacent_p95": cs["n_adjacent"] - cs["n_adjacent_p_correct_below_95"],
                         "n_adjacent": cs["n_adjacent"],
                         "min_votes_per_model": float(cta.models["n_votes"].min())})
        cat_tab = pd.DataFrame(rows)
        rep.add_text("Each category of the same snapshot: its #1, the confidence in its top "
                     "pair, the approximate votes that flip it, and its smallest per-model "
                     "vote count (minimum cell size).")
        rep.add_table(cat_tab, max_rows=80, formats={"p_top_pair_correct": ".2f"})
        tables["categories"] = cat_tab
    timings = {"total_s": time.perf_counter() - t_start}
    rep.add_text(f"Seed {seed}; audit {timings['total_s']:.1f} s.", kind="note")
    return AuditOutput(report=rep, tables=tables, summary=s,
                       config={"seed": seed, "snapshot": {k: cfg.get(k) for k in
                                                          ("source", "board", "category",
                                                           "date")},
                               "timings_s": timings, "table": cfg})
