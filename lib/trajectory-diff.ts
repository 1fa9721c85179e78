/**
 * The side-by-side diff of two runs' steps (`restact rerun`): steps are aligned on their longest common
 * subsequence (so one extra search does not shift every later step into a mismatch); the unmatched steps between two
 * aligned ones are paired up as changed, and the rest stand alone. Pure.
 */

export type DiffMark = 'same' | 'changed' | 'only left' | 'only right';

export interface DiffRow {
  mark: DiffMark;
  left?: string;
  right?: string;
}

/** Longest-common-subsequence pairs of indices (left, right). */
function commonPairs(left: string[], right: string[]): Array<[number, number]> {
  const n = left.length;
  const m = right.length;
  const len = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) len[i][j] = left[i] === right[j] ? len[i + 1][j + 1] + 1 : Math.max(len[i + 1][j], len[i][j + 1]);
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (left[i] === right[j]) pairs.push([i++, j++]);
    else if (len[i + 1][j] >= len[i][j + 1]) i++;
    else j++;
  }
  return pairs;
}

export function diffSteps(left: string[], right: string[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  const gap = (toI: number, toJ: number) => {
    while (i < toI && j < toJ) rows.push({ mark: 'changed', left: left[i++], right: right[j++] });
    while (i < toI) rows.push({ mark: 'only left', left: left[i++] });
    while (j < toJ) rows.push({ mark: 'only right', right: right[j++] });
  };
  for (const [a, b] of commonPairs(left, right)) {
    gap(a, b);
    rows.push({ mark: 'same', left: left[i++], right: right[j++] });
  }
  gap(left.length, right.length);
  return rows;
}
