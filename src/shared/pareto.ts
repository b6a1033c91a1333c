/**
 * Pareto fronts: the runs no other run beats on every objective at once (rate against distortion, β against
 * reconstruction). An objective is a metric (`test.loss`) or a numeric config field (`training.learningRate`),
 * minimised or maximised: `test.loss:min,test.kl:min`.
 */
export interface Objective {
  key: string;
  goal: 'min' | 'max';
}

export class ObjectiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectiveError';
  }
}

/** `test.loss:min,test.kl:min` → objectives; each bad item is named. */
export function parseObjectives(text: string): Objective[] {
  const items = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (items.length < 2)
    throw new ObjectiveError(`"${text}": a front needs two objectives or more, as METRIC:min|max,METRIC:min|max`);
  const objectives = items.map((item) => {
    const m = /^([A-Za-z_][\w.[\]]*):(min|max)$/.exec(item);
    if (!m) throw new ObjectiveError(`"${item}": write an objective as METRIC:min or METRIC:max (e.g. test.loss:min)`);
    return { key: m[1] as string, goal: m[2] as 'min' | 'max' };
  });
  const keys = objectives.map((o) => o.key);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice) throw new ObjectiveError(`"${twice}" is given twice`);
  return objectives;
}

/** Whether `a` dominates `b`: no worse on every objective and better on one (values already to be minimised). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The items no other item dominates, in their given order. Items missing a value (or with a value that is not a
 * finite number) take no part. Sorted lexicographically, an item can only be dominated by one before it, and then
 * by one on the front so far (dominance is transitive): O(n · front) comparisons, not O(n²).
 */
export function paretoFront<T>(
  items: readonly T[],
  values: (item: T) => readonly (number | undefined)[],
  goals: readonly Objective['goal'][],
): T[] {
  const scored = items.flatMap((item, index) => {
    const v = values(item);
    if (v.length !== goals.length || v.some((x) => x === undefined || !Number.isFinite(x))) return [];
    return [{ item, index, v: v.map((x, i) => (goals[i] === 'max' ? -(x as number) : (x as number))) }];
  });
  scored.sort((a, b) => {
    for (let i = 0; i < goals.length; i++) {
      const d = (a.v[i] as number) - (b.v[i] as number);
      if (d !== 0) return d;
    }
    return a.index - b.index;
  });
  const front: typeof scored = [];
  for (const s of scored) if (!front.some((f) => dominates(f.v, s.v))) front.push(s);
  return front.sort((a, b) => a.index - b.index).map((f) => f.item);
}
