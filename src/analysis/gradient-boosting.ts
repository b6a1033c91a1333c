import { uniqueInverse } from './information';
import { type Matrix, rowCount } from './matrix';
import { mulberry32, randomInt, type Rng } from './random';

/**
 * Gradient-boosted trees for classification, as sklearn.ensemble.GradientBoostingClassifier with its defaults
 * (sklearn 1.2, ensemble/_gb.py, _gb_losses.py, tree/_splitter.pyx, tree/_tree.pyx), which disentanglement_lib's
 * DCI uses for its importance matrix. Log-loss; one regression tree per class and stage (one in all for two classes)
 * fitted to the negative gradient with the Friedman MSE split criterion on float32 features; each leaf set by one
 * Newton step; the prior log-odds as the start. feature_importances_ is the mean over trees of the impurity decrease
 * each feature brings, normalised to sum 1.
 * Where it cannot be the same: sklearn visits features in a numpy-random order at each node and keeps the first of
 * equal splits; here the order is a seeded shuffle too, so equal splits (duplicated codes) are shared alike, not identically.
 */
export const gradientBoostingDefaults = {
  stages: 100,
  learningRate: 0.1,
  maxDepth: 3,
  seed: 0,
};
export type GradientBoostingOptions = typeof gradientBoostingDefaults;

interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
}

export interface GradientBoostingModel {
  classes: number[];
  dim: number;
  /** Initial raw score of each output (one for two classes, else one per class). */
  initial: Float64Array;
  /** stages[s][k]: the tree of output k at stage s. */
  stages: TreeNode[][][];
  learningRate: number;
  /** Impurity-based importance of each feature, summing to 1 (all 0 when no tree split). */
  featureImportances: Float64Array;
}

const EPSILON = Number.EPSILON;
const FEATURE_THRESHOLD = 1e-7;

interface Grown {
  nodes: TreeNode[];
  /** Leaf node of each training sample. */
  leafOf: Int32Array;
  /** Σ over splits of n·impurity − n_L·impurity_L − n_R·impurity_R, per feature, divided by n (compute_feature_importances, normalize=False). */
  importances: Float64Array;
}

/** A depth-limited least-squares regression tree (DecisionTreeRegressor(criterion="friedman_mse")), grown level by level. */
function growTree(
  columns: Float32Array[],
  order: Int32Array[],
  sortedValues: Float32Array[],
  n: number,
  target: Float64Array,
  maxDepth: number,
  rng: Rng,
): Grown {
  const d = columns.length;
  const nodes: TreeNode[] = [{ feature: -1, threshold: 0, left: -1, right: -1, value: 0 }];
  const nodeOf = new Int32Array(n);
  const importances = new Float64Array(d);
  let sumAll = 0;
  let squaresAll = 0;
  for (let i = 0; i < n; i++) {
    sumAll += target[i]!;
    squaresAll += target[i]! * target[i]!;
  }
  let frontier = [{ id: 0, count: n, sum: sumAll, impurity: squaresAll / n - (sumAll / n) ** 2 }];
  for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
    // Nodes that may split: two samples or more, impurity above machine epsilon (sklearn's builder).
    const open = frontier.filter((node) => node.count >= 2 && node.impurity > EPSILON);
    if (open.length === 0) break;
    const local = new Int32Array(nodes.length).fill(-1);
    open.forEach((node, slot) => (local[node.id] = slot));
    const m = open.length;
    const slotOf = new Int32Array(n);
    for (let i = 0; i < n; i++) slotOf[i] = local[nodeOf[i]!]!;
    const nodeCount = Float64Array.from(open, (node) => node.count);
    const nodeSum = Float64Array.from(open, (node) => node.sum);
    const rank = open.map(() => {
      const features = Array.from({ length: d }, (_, j) => j);
      for (let j = d - 1; j > 0; j--) {
        const r = randomInt(rng, j + 1);
        [features[j], features[r]] = [features[r]!, features[j]!];
      }
      const ranks = new Int32Array(d);
      features.forEach((f, position) => (ranks[f] = position));
      return ranks;
    });
    const bestProxy = new Float64Array(m).fill(-Infinity);
    const bestFeature = new Int32Array(m).fill(-1);
    const bestThreshold = new Float64Array(m);
    const leftSum = new Float64Array(m);
    const leftCount = new Float64Array(m);
    const lastValue = new Float64Array(m);
    for (let j = 0; j < d; j++) {
      leftSum.fill(0);
      leftCount.fill(0);
      const values = sortedValues[j]!;
      const sorted = order[j]!;
      for (let p = 0; p < n; p++) {
        const s = sorted[p]!;
        const slot = slotOf[s]!;
        if (slot < 0) continue;
        const v = values[p]!;
        const nl = leftCount[slot]!;
        if (nl > 0 && v > lastValue[slot]! + FEATURE_THRESHOLD) {
          const nr = nodeCount[slot]! - nl;
          const sl = leftSum[slot]!;
          // FriedmanMSE.proxy_impurity_improvement.
          const diff = sl * nr - (nodeSum[slot]! - sl) * nl;
          const proxy = (diff * diff) / (nl * nr);
          const current = bestProxy[slot]!;
          if (
            proxy > current ||
            (proxy === current && bestFeature[slot] !== j && rank[slot]![j]! < rank[slot]![bestFeature[slot]!]!)
          ) {
            bestProxy[slot] = proxy;
            bestFeature[slot] = j;
            const last = lastValue[slot]!;
            let threshold = last / 2 + v / 2;
            if (threshold === v || !Number.isFinite(threshold)) threshold = last;
            bestThreshold[slot] = threshold;
          }
        }
        leftSum[slot] = leftSum[slot]! + target[s]!;
        leftCount[slot] = nl + 1;
        lastValue[slot] = v;
      }
    }
    // Split the nodes that found a threshold; children's sums and impurities from their samples.
    const childStats = new Float64Array(m * 6);
    const childBase = nodes.length;
    const childOf = new Int32Array(m).fill(-1);
    open.forEach((node, slot) => {
      if (bestFeature[slot]! < 0) return;
      childOf[slot] = nodes.length;
      const parent = nodes[node.id]!;
      parent.feature = bestFeature[slot]!;
      parent.threshold = bestThreshold[slot]!;
      parent.left = nodes.length;
      parent.right = nodes.length + 1;
      nodes.push(
        { feature: -1, threshold: 0, left: -1, right: -1, value: 0 },
        { feature: -1, threshold: 0, left: -1, right: -1, value: 0 },
      );
    });
    if (nodes.length === childBase) break;
    for (let i = 0; i < n; i++) {
      const slot = local[nodeOf[i]!]!;
      if (slot < 0 || childOf[slot]! < 0) continue;
      const goesLeft = columns[bestFeature[slot]!]![i]! <= bestThreshold[slot]!;
      nodeOf[i] = childOf[slot]! + (goesLeft ? 0 : 1);
      const base = slot * 6 + (goesLeft ? 0 : 3);
      childStats[base]! += 1;
      childStats[base + 1]! += target[i]!;
      childStats[base + 2]! += target[i]! * target[i]!;
    }
    const next: typeof frontier = [];
    open.forEach((node, slot) => {
      if (childOf[slot]! < 0) return;
      let decrease = node.count * node.impurity;
      for (const side of [0, 1]) {
        const count = childStats[slot * 6 + side * 3]!;
        const sum = childStats[slot * 6 + side * 3 + 1]!;
        const impurity = childStats[slot * 6 + side * 3 + 2]! / count - (sum / count) ** 2;
        decrease -= count * impurity;
        next.push({ id: childOf[slot]! + side, count, sum, impurity });
      }
      importances[bestFeature[slot]!]! += decrease / n;
    });
    frontier = next;
  }
  return { nodes, leafOf: nodeOf, importances };
}

function leafOfRow(nodes: TreeNode[], columns: Float32Array[], i: number): TreeNode {
  let node = nodes[0]!;
  while (node.feature >= 0) node = nodes[columns[node.feature]![i]! <= node.threshold ? node.left : node.right]!;
  return node;
}

function toColumns(x: Matrix, n: number): Float32Array[] {
  return Array.from({ length: x.dim }, (_, j) => {
    const c = new Float32Array(n);
    for (let i = 0; i < n; i++) c[i] = x.values[i * x.dim + j]!;
    return c;
  });
}

export function fitGradientBoosting(
  x: Matrix,
  labels: ArrayLike<number>,
  options: Partial<GradientBoostingOptions> = {},
): GradientBoostingModel {
  const settings = { ...gradientBoostingDefaults, ...options };
  const n = rowCount(x);
  if (n !== labels.length) throw new RangeError(`${n} rows but ${labels.length} labels`);
  const { values: classes, inverse: y } = uniqueInverse(labels);
  const k = classes.length;
  const outputs = k === 2 ? 1 : k;
  const columns = toColumns(x, n);
  const order = columns.map((c) => Int32Array.from(c.keys()).sort((a, b) => c[a]! - c[b]!));
  const sortedValues = columns.map((c, j) => Float32Array.from(order[j]!, (i) => c[i]!));
  const rng = mulberry32(settings.seed);
  // DummyClassifier(strategy="prior") start, probabilities clipped to float32 eps.
  const eps = 2 ** -23;
  const prior = new Float64Array(k);
  for (const c of y) prior[c]! += 1 / n;
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps);
  const initial =
    k === 2 ? Float64Array.of(Math.log(clip(prior[1]!) / (1 - clip(prior[1]!)))) : prior.map((p) => Math.log(clip(p)));
  const stages: TreeNode[][][] = [];
  const importanceSum = new Float64Array(x.dim);
  let relevantTrees = 0;
  if (k >= 2) {
    const raw = new Float64Array(n * outputs);
    for (let i = 0; i < n; i++) raw.set(initial, i * outputs);
    const residual = new Float64Array(n);
    const indicator = new Float64Array(n);
    for (let stage = 0; stage < settings.stages; stage++) {
      // Probabilities at the start of the stage: every tree of a stage fits the gradient at iteration i − 1.
      const probability = new Float64Array(n * outputs);
      for (let i = 0; i < n; i++) {
        if (k === 2) {
          probability[i] = 1 / (1 + Math.exp(-raw[i]!));
          continue;
        }
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, raw[i * k + c]!);
        let s = 0;
        for (let c = 0; c < k; c++) s += Math.exp(raw[i * k + c]! - max);
        for (let c = 0; c < k; c++) probability[i * k + c] = Math.exp(raw[i * k + c]! - max) / s;
      }
      const trees: TreeNode[][] = [];
      for (let out = 0; out < outputs; out++) {
        const positive = k === 2 ? 1 : out;
        for (let i = 0; i < n; i++) {
          indicator[i] = y[i] === positive ? 1 : 0;
          residual[i] = indicator[i]! - probability[i * outputs + out]!;
        }
        const tree = growTree(columns, order, sortedValues, n, residual, settings.maxDepth, rng);
        if (tree.nodes.length > 1) {
          relevantTrees++;
          for (let j = 0; j < x.dim; j++) importanceSum[j]! += tree.importances[j]!;
        }
        // One Newton step per leaf: Σr / Σ p(1−p), times (K−1)/K for the multinomial loss.
        const numerator = new Float64Array(tree.nodes.length);
        const denominator = new Float64Array(tree.nodes.length);
        for (let i = 0; i < n; i++) {
          const leaf = tree.leafOf[i]!;
          const r = residual[i]!;
          numerator[leaf]! += r;
          denominator[leaf]! += (indicator[i]! - r) * (1 - indicator[i]! + r);
        }
        const scale = k === 2 ? 1 : (k - 1) / k;
        tree.nodes.forEach((node, id) => {
          if (node.feature < 0)
            node.value = Math.abs(denominator[id]!) < 1e-150 ? 0 : (numerator[id]! * scale) / denominator[id]!;
        });
        for (let i = 0; i < n; i++) raw[i * outputs + out]! += settings.learningRate * tree.nodes[tree.leafOf[i]!]!.value;
        trees.push(tree.nodes);
      }
      stages.push(trees);
    }
  }
  let total = 0;
  for (const v of importanceSum) total += v / Math.max(relevantTrees, 1);
  const featureImportances = importanceSum.map((v) => (relevantTrees === 0 || total === 0 ? 0 : v / relevantTrees / total));
  return { classes, dim: x.dim, initial, stages, learningRate: settings.learningRate, featureImportances };
}

export function predictGradientBoosting(model: GradientBoostingModel, x: Matrix): Float64Array {
  const n = rowCount(x);
  const columns = toColumns(x, n);
  const out = new Float64Array(n);
  const k = model.classes.length;
  const outputs = model.initial.length;
  const raw = new Float64Array(outputs);
  for (let i = 0; i < n; i++) {
    if (k < 2) {
      out[i] = model.classes[0] ?? 0;
      continue;
    }
    raw.set(model.initial);
    for (const trees of model.stages) {
      trees.forEach((nodes, o) => (raw[o]! += model.learningRate * leafOfRow(nodes, columns, i).value));
    }
    let best = 0;
    if (k === 2) best = raw[0]! > 0 ? 1 : 0;
    else for (let c = 1; c < k; c++) if (raw[c]! > raw[best]!) best = c;
    out[i] = model.classes[best]!;
  }
  return out;
}
