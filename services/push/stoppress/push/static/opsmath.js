// Pure arithmetic over MetricsSnapshot records (ops.metrics): gauges, rates and histogram percentiles.
// No DOM and no I/O, so the browser tests can check it with plain values.

/** Split `name{a="x",b="y"}` (Prometheus text exposition) into the name and a label object. */
export function parseSample(key) {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: {} };
  const labels = {};
  for (const match of key.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  }
  return { name: key.slice(0, brace), labels };
}

function labelsMatch(labels, wanted) {
  for (const [k, v] of Object.entries(wanted || {})) if (labels[k] !== v) return false;
  return true;
}

/** Sum of every sample called `name` whose labels include `wanted`, in one snapshot's samples. */
export function total(samples, name, wanted) {
  let sum = 0;
  let found = false;
  for (const [key, value] of Object.entries(samples)) {
    const sample = parseSample(key);
    if (sample.name === name && labelsMatch(sample.labels, wanted)) { sum += value; found = true; }
  }
  return found ? sum : null;
}

/** Values of `name` grouped by one label (e.g. connections by transport), summed over the rest. */
export function byLabel(samples, name, label) {
  const groups = {};
  for (const [key, value] of Object.entries(samples)) {
    const sample = parseSample(key);
    if (sample.name !== name) continue;
    const group = sample.labels[label] ?? "";
    groups[group] = (groups[group] || 0) + value;
  }
  return groups;
}

/** Cumulative histogram buckets of `name` (without `_bucket`) as [{le, count}] sorted by le; +Inf last. */
export function buckets(samples, name, wanted) {
  const byLe = new Map();
  for (const [key, value] of Object.entries(samples)) {
    const sample = parseSample(key);
    if (sample.name !== `${name}_bucket` || !labelsMatch(sample.labels, wanted)) continue;
    const le = sample.labels.le === "+Inf" ? Infinity : Number(sample.labels.le);
    byLe.set(le, (byLe.get(le) || 0) + value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** `later - earlier` bucket by bucket (observations between two snapshots); a counter reset keeps `later`. */
export function bucketDelta(later, earlier) {
  const before = new Map(earlier.map((b) => [b.le, b.count]));
  const delta = later.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) || 0) }));
  return delta.some((b) => b.count < 0) ? later : delta;
}

/** The q-quantile (0..1) of cumulative buckets, interpolated linearly within a bucket like Prometheus's
 *  histogram_quantile; null when there are no observations. Units are the histogram's (usually seconds). */
export function quantile(q, cumulative) {
  if (!cumulative.length) return null;
  const count = cumulative[cumulative.length - 1].count;
  if (!(count > 0)) return null;
  const rank = q * count;
  let i = cumulative.findIndex((b) => b.count >= rank);
  if (i < 0) i = cumulative.length - 1;
  const bucket = cumulative[i];
  if (bucket.le === Infinity) return i > 0 ? cumulative[i - 1].le : null;
  const lowerLe = i > 0 ? cumulative[i - 1].le : 0;
  const lowerCount = i > 0 ? cumulative[i - 1].count : 0;
  const inBucket = bucket.count - lowerCount;
  return inBucket > 0 ? lowerLe + (bucket.le - lowerLe) * ((rank - lowerCount) / inBucket) : lowerLe;
}

/**
 * The recent snapshots of every service instance, for rates and windowed percentiles.
 * Rates use the services' own `at` stamps. An instance was last seen at the earlier of its snapshot's
 * `at` and the moment it arrived (a dashboard that connects is sent every instance's latest snapshot,
 * which may be old); it stops counting towards gauges after `staleMs` and is forgotten after `forgetMs`.
 */
export class MetricsWindow {
  constructor(windowMs = 60000, staleMs = 15000, forgetMs = 120000) {
    this.windowMs = windowMs;
    this.staleMs = staleMs;
    this.forgetMs = forgetMs;
    this.instances = new Map(); // "service/instance" -> {service, instance, seenAt, history: [{at, samples}]}
  }

  add(snapshot, receivedAt) {
    const key = `${snapshot.service}/${snapshot.instance}`;
    let entry = this.instances.get(key);
    if (!entry) {
      entry = { service: snapshot.service, instance: snapshot.instance, history: [] };
      this.instances.set(key, entry);
    }
    const at = Date.parse(snapshot.at);
    entry.seenAt = Math.min(receivedAt, at || receivedAt);
    entry.history.push({ at, samples: snapshot.samples });
    while (entry.history.length > 2 && entry.history[1].at <= at - this.windowMs) entry.history.shift();
    for (const [other, seen] of this.instances) if (receivedAt - seen.seenAt > this.forgetMs) this.instances.delete(other);
  }

  /** Instances of `service` heard from within `staleMs` of `now`. */
  live(service, now) {
    return [...this.instances.values()].filter(
      (e) => (!service || e.service === service) && now - e.seenAt <= this.staleMs);
  }

  /** Latest value of a gauge summed over live instances; null if none reports it. */
  gauge(service, name, wanted, now) {
    let sum = null;
    for (const entry of this.live(service, now)) {
      const value = total(entry.history[entry.history.length - 1].samples, name, wanted);
      if (value !== null) sum = (sum || 0) + value;
    }
    return sum;
  }

  /** Latest values of a gauge grouped by `label`, summed over live instances. */
  gaugeBy(service, name, label, now) {
    const groups = {};
    for (const entry of this.live(service, now)) {
      const latest = byLabel(entry.history[entry.history.length - 1].samples, name, label);
      for (const [k, v] of Object.entries(latest)) groups[k] = (groups[k] || 0) + v;
    }
    return groups;
  }

  /** Per-second increase of a counter over the window, summed over live instances; null without two points. */
  rate(service, name, wanted, now) {
    let sum = null;
    for (const entry of this.live(service, now)) {
      const first = entry.history[0];
      const last = entry.history[entry.history.length - 1];
      const seconds = (last.at - first.at) / 1000;
      const a = total(first.samples, name, wanted);
      const b = total(last.samples, name, wanted);
      if (seconds <= 0 || a === null || b === null) continue;
      sum = (sum || 0) + (b >= a ? b - a : b) / seconds;
    }
    return sum;
  }

  /** Buckets of the observations made within the window (all time when the window saw none). */
  windowBuckets(service, name, wanted, now) {
    const windowed = [];
    const allTime = [];
    for (const entry of this.live(service, now)) {
      const last = buckets(entry.history[entry.history.length - 1].samples, name, wanted);
      windowed.push(bucketDelta(last, buckets(entry.history[0].samples, name, wanted)));
      allTime.push(last);
    }
    const merged = mergeBuckets(windowed);
    const count = merged.length ? merged[merged.length - 1].count : 0;
    return count > 0 ? { buckets: merged, windowed: true } : { buckets: mergeBuckets(allTime), windowed: false };
  }
}

function mergeBuckets(lists) {
  const byLe = new Map();
  for (const list of lists) for (const b of list) byLe.set(b.le, (byLe.get(b.le) || 0) + b.count);
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}
