/**
 * Batch sizes that follow a time budget: each batch statement should take
 * about `budgetMs`, so no statement holds its locks for long whatever the
 * table's speed. The next size scales by how far the last batch was from the
 * budget, at most doubling and at least halving, within [1, max].
 */
export function nextBatchSize(size: number, tookMs: number, budgetMs: number, max: number): number {
  const factor = tookMs <= 0 ? 2 : Math.min(2, Math.max(0.5, budgetMs / tookMs));
  return Math.max(1, Math.min(max, Math.round(size * factor)));
}
