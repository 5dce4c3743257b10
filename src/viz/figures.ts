/**
 * Plotly figure specs — pure data, no DOM: the same figure renders in a notebook (tslab), in a standalone
 * report and in a test. Every axis says its unit.
 */
import type { CallTree } from "../profiling/calltree";
import type { DiffRow } from "../profiling/diff";
import type { FunctionRow, RankBy } from "../profiling/table";
import type { AllocationRow } from "../profiling/heap";
import { REP_METRICS, type RepRow, type SummaryRow } from "../results/rows";
import { isCold, isWarm } from "../results/warm";
import { MiB } from "../util/format";
import type { Distribution, FaultMarker, SeriesLine } from "../analysis/series";
import { CATEGORY_COLORS, COLORS, FIGURE_HEIGHT, faultShapes, fitsFlat, layout, legendFor, look } from "./style";

export type { Distribution, FaultMarker, SeriesLine } from "../analysis/series";

export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/** Messages per second over time (acked by producers, consumed by consumers), with fault markers. */
export function throughputFigure(lines: SeriesLine[], opts: { title?: string; faults?: FaultMarker[] } = {}): Figure {
  const f = faultShapes(opts.faults ?? []);
  return {
    data: lines.map((l, i) => ({ type: "scatter", mode: "lines+markers", name: l.name, x: l.seconds, y: l.values, line: { color: look(i).color, dash: look(i).dash, width: 2 }, marker: { size: 4, symbol: look(i).symbol }, hovertemplate: "%{y:,.0f} msg/s at %{x} s<extra>%{fullData.name}</extra>" })),
    layout: layout(opts.title ?? "Throughput over time", { xaxis: { title: { text: "time since start (s)" } }, yaxis: { title: { text: "messages / s" }, rangemode: "tozero" }, ...f, ...legendFor(lines.map((l) => l.name)) }),
  };
}

/** Lost messages (acknowledged, never consumed) by send time, as bars per bucket, with the fault marks. */
export function lostFigure(lines: SeriesLine[], opts: { title?: string; faults?: FaultMarker[]; bucketSec?: number } = {}): Figure {
  const f = faultShapes(opts.faults ?? []);
  const per = opts.bucketSec ?? 0.25;
  return {
    data: lines.map((l, i) => ({ type: "bar", name: l.name, x: l.seconds, y: l.values, offset: 0, width: per, marker: { color: COLORS[(i + 1) % COLORS.length] }, hovertemplate: `%{y} lost, sent in %{x} s … +${per} s<extra>%{fullData.name}</extra>` })),
    layout: layout(opts.title ?? "Acknowledged but never consumed, by send time", { barmode: "group", xaxis: { title: { text: "sent at, time since start (s)" } }, yaxis: { title: { text: `lost messages per ${per} s` }, rangemode: "tozero" }, ...f, ...legendFor(lines.map((l) => l.name)) }),
  };
}

/** Messages per partition, stacked by the consumer that read them (partitionDistribution rows). */
export function distributionFigure(rows: Array<{ consumer: string; partition: number; messages: number }>, opts: { title?: string } = {}): Figure {
  const consumers = [...new Set(rows.map((r) => r.consumer))];
  return {
    data: consumers.map((c, i) => {
      const mine = rows.filter((r) => r.consumer === c);
      return { type: "bar", name: c, x: mine.map((r) => `partition ${r.partition}`), y: mine.map((r) => r.messages), marker: { color: COLORS[i % COLORS.length] }, hovertemplate: `${c}: %{y:,} messages of %{x}<extra></extra>` };
    }),
    layout: layout(opts.title ?? "Messages per partition and consumer", { barmode: "stack", xaxis: { title: { text: "partition" } }, yaxis: { title: { text: "messages" }, rangemode: "tozero" }, ...legendFor(consumers) }),
  };
}

/**
 * Consumer lag (messages not yet consumed, summed over partitions) over time. With several lines the fills are
 * light (15 %): plotly draws each trace's fill over the lines before it, and at its default (50 %) notebook 12's
 * RabbitMQ fills hid the Kafka line.
 */
export function lagFigure(lines: SeriesLine[], opts: { title?: string; faults?: FaultMarker[] } = {}): Figure {
  const f = faultShapes(opts.faults ?? []);
  return {
    data: lines.map((l, i) => ({ type: "scatter", mode: "lines", name: l.name, x: l.seconds, y: l.values, fill: "tozeroy", fillcolor: lines.length > 1 ? `${look(i).color}26` : undefined, line: { color: look(i).color, dash: look(i).dash }, hovertemplate: "lag %{y:,.0f} messages at %{x} s<extra>%{fullData.name}</extra>" })),
    layout: layout(opts.title ?? "Lag over time", { xaxis: { title: { text: "time since start (s)" } }, yaxis: { title: { text: "lag (messages)" }, rangemode: "tozero" }, ...f, ...legendFor(lines.map((l) => l.name)) }),
  };
}

const NINES = [0, 1, 2, 3, 4, 5];
const ninesLabel = (n: number) => (n === 0 ? "0%" : `${(100 * (1 - Math.pow(10, -n))).toFixed(Math.max(0, n - 2))}%`);

/** Latency by percentile on a "nines" axis (50%, 90%, 99%, 99.9% …): tails are where systems differ. */
export function percentileFigure(dists: Distribution[], opts: { title?: string; unit?: "ms" | "µs" } = {}): Figure {
  const unit = opts.unit ?? "ms";
  const scale = unit === "ms" ? 1000 : 1;
  return {
    data: dists.map((d, i) => {
      const pts = d.points.filter((p) => p.percentile < 100);
      return {
        type: "scatter",
        mode: "lines",
        name: d.name,
        x: pts.map((p) => -Math.log10(1 - p.percentile / 100)),
        y: pts.map((p) => p.value / scale),
        customdata: pts.map((p) => p.percentile),
        line: { color: look(i).color, dash: look(i).dash, width: 2, shape: "hv" },
        hovertemplate: `p%{customdata:.3f}: %{y:.3f} ${unit}<extra>%{fullData.name}</extra>`,
      };
    }),
    layout: layout(opts.title ?? "Latency by percentile", {
      xaxis: { title: { text: "percentile" }, tickvals: NINES, ticktext: NINES.map(ninesLabel) },
      yaxis: { title: { text: `latency (${unit})` }, type: "log" },
      ...legendFor(dists.map((d) => d.name)),
    }),
  };
}

/** Latency histogram on log-spaced bins, from the cumulative distribution (bars: share of messages, %). */
export function latencyHistogramFigure(dists: Distribution[], opts: { title?: string; bins?: number } = {}): Figure {
  const bins = opts.bins ?? 40;
  const data = dists.map((d, i) => {
    const pts = d.points;
    const total = pts.at(-1)?.cumulative ?? 0;
    const lo = Math.max(1, pts[0]?.value ?? 1);
    const hi = Math.max(lo * 1.01, pts.at(-1)?.value ?? lo);
    const edges = Array.from({ length: bins + 1 }, (_, k) => lo * Math.pow(hi / lo, k / bins));
    const cum = (v: number) => {
      // Cumulative count at v, interpolated between the distribution's points.
      let prev = { value: 0, cumulative: 0 };
      for (const p of pts) {
        if (p.value >= v) return prev.cumulative + ((p.cumulative - prev.cumulative) * (v - prev.value)) / Math.max(1e-9, p.value - prev.value);
        prev = p;
      }
      return total;
    };
    const x: number[] = [];
    const y: number[] = [];
    for (let k = 0; k < bins; k++) {
      x.push(Math.sqrt(edges[k]! * edges[k + 1]!) / 1000);
      y.push(total ? (100 * (cum(edges[k + 1]!) - cum(edges[k]!))) / total : 0);
    }
    return { type: "bar", name: d.name, x, y, opacity: 0.75, marker: { color: look(i).color }, hovertemplate: "%{x:.3f} ms: %{y:.2f}% of messages<extra>%{fullData.name}</extra>" };
  });
  return { data, layout: layout(opts.title ?? "Latency distribution", { barmode: "overlay", bargap: 0, xaxis: { title: { text: "latency (ms, log scale)" }, type: "log" }, yaxis: { title: { text: "share of messages (%)" } }, ...legendFor(dists.map((d) => d.name)) }) };
}

/** One box per configuration: the warm repetitions of a metric; the cold repetition as a separate marker. */
export function repetitionsFigure(rows: RepRow[], metric: keyof RepRow, opts: { title?: string; unit: string }): Figure {
  const configs = [...new Set(rows.map((r) => r.configId))];
  const label = (id: string) => rows.find((r) => r.configId === id)?.label ?? id;
  const warm = configs.map((id) => rows.filter((r) => r.configId === id && isWarm(r)));
  const cold = configs.map((id) => rows.find((r) => r.configId === id && isCold(r) && r.state === "completed"));
  const configNames = configs.map(label);
  // Names too long to stand level under the boxes are in the legend only, in the same order.
  const xaxis = fitsFlat(configNames) ? {} : { showticklabels: false };
  return {
    data: [
      ...configs.map((id, i) => ({ type: "box", name: label(id), y: warm[i]!.map((r) => r[metric]), boxpoints: "all", jitter: 0.3, pointpos: 0, marker: { color: look(i).color }, hovertemplate: `%{y:.3f} ${opts.unit}<extra>${label(id)} (warm)</extra>` })),
      { type: "scatter", mode: "markers", name: "cold (first) run", x: configNames, y: cold.map((r) => (r ? r[metric] : null)), marker: { symbol: "x", size: 11, color: "#111" }, hovertemplate: `cold: %{y:.3f} ${opts.unit}<extra></extra>` },
    ],
    layout: layout(opts.title ?? String(metric), { xaxis, yaxis: { title: { text: opts.unit }, rangemode: "tozero" }, showlegend: true, ...legendFor([...configNames, "cold (first) run"]) }),
  };
}

/** Cold (first) run vs the warm mean ± σ, per configuration. */
export function coldWarmFigure(summary: SummaryRow[], metric: string, opts: { title?: string } = {}): Figure {
  const rows = summary.filter((s) => s.metric === metric);
  const unit = rows[0]?.unit ?? "";
  const names = rows.map((r) => r.label);
  const std = rows.map((r) => (Number.isFinite(r.std) ? r.std : 0));
  // Names too long to stand level under the bars: bars across, one configuration per line, first at the top.
  const across = !fitsFlat(names);
  const [v, c] = across ? (["x", "y"] as const) : (["y", "x"] as const); // the value axis, the names' axis
  const bar = (name: string, values: Array<number | null>, color: string, what: string) => ({ type: "bar", orientation: across ? "h" : "v", name, [c]: names, [v]: values, marker: { color }, hovertemplate: `${what}: %{${v}:.2f} ${unit}<extra></extra>` });
  return {
    data: [bar("cold (first run)", rows.map((r) => r.cold), "#9aa5b1", "cold"), { ...bar("warm mean ± σ", rows.map((r) => r.mean), "#1f77b4", "warm"), [`error_${v}`]: { type: "data", array: std, visible: true } }],
    layout: layout(opts.title ?? `Cold vs warm: ${rows[0]?.description ?? metric}`, {
      barmode: "group",
      [`${v}axis`]: { title: { text: unit } },
      ...(across ? { yaxis: { autorange: "reversed", automargin: true }, height: Math.max(FIGURE_HEIGHT, 130 + 28 * names.length) } : {}),
    }),
  };
}

/**
 * Throughput against tail latency per configuration: the trade-off of producer settings at a glance. One
 * trace per configuration (named in the legend, never as overlapping point labels); a note says which
 * corner is better, from the metrics' definitions.
 */
export function tradeoffFigure(summary: SummaryRow[], opts: { x?: string; y?: string; title?: string } = {}): Figure {
  const xm = opts.x ?? "produceThroughputMsgsPerSec";
  const ym = opts.y ?? "e2eLatencyP99Ms";
  const configs = [...new Set(summary.map((s) => s.configId))];
  const pick = (id: string, m: string) => summary.find((s) => s.configId === id && s.metric === m);
  const sd = (s: SummaryRow | undefined) => (s && Number.isFinite(s.std) ? s.std : 0);
  const better = (m: string) => REP_METRICS.find((d) => d.key === m)?.better;
  const corner = `${better(ym) === "lower" ? "lower" : "upper"} ${better(xm) === "lower" ? "left" : "right"}`;
  const x0 = configs.map((id) => pick(id, xm)).find(Boolean);
  const y0 = configs.map((id) => pick(id, ym)).find(Boolean);
  return {
    data: configs.map((id, i) => {
      const x = pick(id, xm);
      const y = pick(id, ym);
      return {
        type: "scatter",
        mode: "markers",
        name: x?.label ?? id,
        x: [x?.mean ?? null],
        y: [y?.mean ?? null],
        error_x: { type: "data", array: [sd(x)], visible: true },
        error_y: { type: "data", array: [sd(y)], visible: true },
        marker: { size: 11, color: look(i).color, symbol: look(i).symbol },
        hovertemplate: `${x?.label ?? id}<br>%{x:,.0f} ${x?.unit ?? ""} · %{y:.2f} ${y?.unit ?? ""}<extra></extra>`,
      };
    }),
    layout: layout(opts.title ?? "Throughput vs latency", {
      xaxis: { title: { text: `${x0?.description ?? xm} (${x0?.unit ?? ""})` } },
      yaxis: { title: { text: `${y0?.description ?? ym} (${y0?.unit ?? ""})` } },
      showlegend: true,
      ...legendFor(configs.map((id) => pick(id, xm)?.label ?? id)),
      annotations: [{ xref: "paper", yref: "paper", x: 1, y: 1.06, xanchor: "right", showarrow: false, text: `better: ${corner} · error bars ± σ`, font: { size: 11, color: "#5b6775" } }],
    }),
  };
}

/** Top functions as horizontal bars (self or total ms, or calls), colored by category. */
export function topFunctionsFigure(rows: FunctionRow[], by: RankBy, opts: { title?: string } = {}): Figure {
  const r = [...rows].reverse();
  const value = (x: FunctionRow) => (by === "self" ? x.selfMs : by === "total" ? x.totalMs : (x.calls ?? 0));
  const unit = by === "calls" ? "calls" : "ms";
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        x: r.map(value),
        y: r.map((x) => `${x.name} · ${x.location.split("/").pop() ?? ""}`),
        marker: { color: r.map((x) => CATEGORY_COLORS[x.category] ?? "#999") },
        customdata: r.map((x) => [x.location, x.category, x.selfPct, x.totalPct]),
        hovertemplate: `%{x:,.3f} ${unit}<br>%{customdata[0]}<br>%{customdata[1]} · self %{customdata[2]:.1f}% · total %{customdata[3]:.1f}%<extra></extra>`,
      },
    ],
    layout: layout(opts.title ?? `Top functions by ${by === "self" ? "self time" : by === "total" ? "total time" : "calls"}`, {
      xaxis: { title: { text: by === "calls" ? "calls" : `${by} time (ms)` } },
      yaxis: { automargin: true },
      margin: { l: 20, r: 20, t: 50, b: 50 },
      height: Math.max(260, 28 * rows.length + 100),
    }),
  };
}

function treeTrace(tree: CallTree, type: "icicle" | "sunburst"): Record<string, unknown> {
  return {
    type,
    ids: tree.ids,
    labels: tree.labels,
    parents: tree.parents,
    values: tree.values,
    branchvalues: "total",
    customdata: tree.ids.map((_, i) => [tree.locations[i], tree.selfMs[i], tree.busyMs > 0 ? (100 * tree.values[i]!) / tree.busyMs : 0, tree.categories[i]]),
    marker: { colors: tree.categories.map((c) => CATEGORY_COLORS[c] ?? "#c7c7c7") },
    hovertemplate: "<b>%{label}</b><br>%{customdata[0]}<br>total %{value:.2f} ms (%{customdata[2]:.1f}% of busy time) · self %{customdata[1]:.2f} ms<extra>%{customdata[3]}</extra>",
    maxdepth: 6,
    ...(type === "icicle" ? { tiling: { orientation: "v", flip: "y" } } : {}),
  };
}

/** SnakeViz-like icicle of the call tree: width = total time; click to zoom. Colors: your code, packages, Node, V8, GC. */
export function icicleFigure(tree: CallTree, opts: { title?: string } = {}): Figure {
  return { data: [treeTrace(tree, "icicle")], layout: layout(opts.title ?? `Call tree (icicle) — ${tree.busyMs.toFixed(0)} ms busy`, { margin: { l: 5, r: 5, t: 50, b: 5 }, height: 520 }) };
}

export function sunburstFigure(tree: CallTree, opts: { title?: string } = {}): Figure {
  return { data: [treeTrace(tree, "sunburst")], layout: layout(opts.title ?? `Call tree (sunburst) — ${tree.busyMs.toFixed(0)} ms busy`, { margin: { l: 5, r: 5, t: 50, b: 5 }, height: 560 }) };
}

/** Differential profile: change of self time per function (green faster, red slower). */
export function diffFigure(rows: DiffRow[], opts: { title?: string; top?: number } = {}): Figure {
  const r = rows.slice(0, opts.top ?? 15).reverse();
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        x: r.map((x) => x.selfDeltaMs),
        y: r.map((x) => `${x.name} · ${x.location.split("/").pop() ?? ""}`),
        marker: { color: r.map((x) => (x.selfDeltaMs <= 0 ? "#2ca02c" : "#d62728")) },
        customdata: r.map((x) => [x.selfBeforeMs, x.selfAfterMs, x.selfShareDeltaPts]),
        hovertemplate: "%{customdata[0]:.2f} → %{customdata[1]:.2f} ms (%{x:+.2f} ms, share %{customdata[2]:+.1f} pts)<extra></extra>",
      },
    ],
    layout: layout(opts.title ?? "Differential profile: change of self time", { xaxis: { title: { text: "Δ self time (ms): after − before" }, zeroline: true }, yaxis: { automargin: true }, margin: { l: 20, r: 20, t: 50, b: 50 }, height: Math.max(260, 28 * r.length + 100) }),
  };
}

/** RSS and heap used per second, with GC pauses (ms) on a second axis. */
export function memoryFigure(lines: { rssMiB: SeriesLine; heapMiB: SeriesLine }, gc: Array<{ atSec: number; durationMs: number; kind: string }> = [], opts: { title?: string } = {}): Figure {
  const kinds = [...new Set(gc.map((g) => g.kind))];
  return {
    data: [
      { type: "scatter", mode: "lines", name: "RSS (MiB)", x: lines.rssMiB.seconds, y: lines.rssMiB.values, line: { color: COLORS[0] } },
      { type: "scatter", mode: "lines", name: "heap used (MiB)", x: lines.heapMiB.seconds, y: lines.heapMiB.values, line: { color: COLORS[2] } },
      ...kinds.map((k, i) => ({
        type: "scatter",
        mode: "markers",
        name: `GC pause: ${k} (ms)`,
        yaxis: "y2",
        x: gc.filter((g) => g.kind === k).map((g) => g.atSec),
        y: gc.filter((g) => g.kind === k).map((g) => g.durationMs),
        marker: { size: 6, color: COLORS[(i + 3) % COLORS.length] },
        hovertemplate: `${k} GC: %{y:.2f} ms at %{x:.2f} s<extra></extra>`,
      })),
    ],
    layout: layout(opts.title ?? "Memory and GC over time", {
      xaxis: { title: { text: "time since start (s)" } },
      yaxis: { title: { text: "memory (MiB)" }, rangemode: "tozero" },
      yaxis2: { title: { text: "GC pause (ms)" }, overlaying: "y", side: "right", rangemode: "tozero" },
    }),
  };
}

/** Top allocation sites (bytes, sampled) as horizontal bars. */
export function allocationFigure(rows: AllocationRow[], opts: { title?: string } = {}): Figure {
  const r = [...rows].reverse();
  return {
    data: [
      {
        type: "bar",
        orientation: "h",
        x: r.map((x) => x.selfBytes / MiB),
        y: r.map((x) => `${x.name} · ${x.location.split("/").pop() ?? ""}`),
        marker: { color: r.map((x) => CATEGORY_COLORS[x.category] ?? "#999") },
        customdata: r.map((x) => [x.location, x.selfPct]),
        hovertemplate: "%{x:.2f} MiB (%{customdata[1]:.1f}%)<br>%{customdata[0]}<extra></extra>",
      },
    ],
    layout: layout(opts.title ?? "Top allocation sites", { xaxis: { title: { text: "allocated (MiB, sampled)" } }, yaxis: { automargin: true }, margin: { l: 20, r: 20, t: 50, b: 50 }, height: Math.max(260, 28 * rows.length + 100) }),
  };
}
