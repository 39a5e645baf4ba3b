/** What every bench section reports: a figure, its unit, and the budget it must stay within. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** The figure must be at most this (or exactly this, with `exact`). */
  budget?: number;
  exact?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function withinBudget(m: Measurement): boolean {
  if (m.budget === undefined) return true;
  return m.exact ? m.value === m.budget : m.value <= m.budget;
}
