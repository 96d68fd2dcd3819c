// Small helpers shared by the bench's parts: a summary of repeated timings, and tables
// printed for the terminal and written as Markdown.
import { performance } from 'node:perf_hooks';

/** Median and spread of `times` (milliseconds). */
export function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, min: sorted[0], max: sorted.at(-1), p25: at(0.25), p75: at(0.75) };
}

/** `runs` timed calls of the async `fn` (after `warmup` untimed ones): a summary, or
 * `{ error }` with the code or first line of what it threw. */
export async function timeAsync(fn, { runs, warmup = 0 }) {
  const times = [];
  try {
    for (let i = 0; i < warmup; i += 1) await fn();
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      await fn();
      times.push(performance.now() - start);
    }
  } catch (error) {
    return { error: error?.code ?? String(error?.message ?? error).split('\n')[0] };
  }
  return summary(times);
}

/** `12.3` style, with fewer decimals for big numbers. */
export function number(ms) {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/**
 * Several async functions timed in turns (one run of each, then the next round), so that
 * other load on the machine falls on all of them alike. `columns` maps a name to
 * `{ fn, runs }`; the answer maps it to a summary or `{ error }` (a column that throws is
 * not timed further).
 */
export async function timeInTurns(columns, { warmup = 0 } = {}) {
  const times = Object.fromEntries(Object.keys(columns).map((name) => [name, []]));
  const errors = {};
  const rounds = warmup + Math.max(...Object.values(columns).map((c) => c.runs));
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, { fn, runs }] of Object.entries(columns)) {
      if (errors[name] || round >= warmup + runs) continue;
      const start = performance.now();
      try {
        await fn();
      } catch (error) {
        errors[name] = { error: error?.code ?? String(error?.message ?? error).split('\n')[0] };
        continue;
      }
      if (round >= warmup) times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.keys(columns).map((name) => [name, errors[name] ?? summary(times[name])]));
}

/** "2.53 ms (2.41–2.80, 15×)" for a summary; its error otherwise. */
export function cell(result) {
  if (!result) return '—';
  if (result.error) return result.error;
  return `${number(result.median)} ms (${number(result.min)}–${number(result.max)}, ${result.n}×)`;
}

/** "4.6×" for a ratio of two medians, "—" when either is missing. */
export function ratio(top, bottom) {
  if (!top?.median || !bottom?.median) return '—';
  return `${(top.median / bottom.median).toFixed(1)}×`;
}

/** Prints `rows` (arrays of strings) under `header` with padded columns. */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The same table in Markdown. */
export function markdownTable(header, rows) {
  const escape = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
  ].join('\n');
}
