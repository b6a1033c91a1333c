import { meanReconstructionLoss } from '../../ml/losses';
import { freshVariableName, stopGradient, variableFrom } from '../../ml/ops';
import { codeUsage, nearestCode } from '../../ml/quantise';
import { Reads } from '../../ml/read';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { deriveSeed } from '../../shared/random';
import { buildDecoder, buildEncoder, summarize } from '../architecture';
import type { BuiltModel, ChartView, FamilyModel, ImageView, Weight } from '../family-model';
import { codeGridShape } from '../vq-vae/spec';
import { rqArchitecture, type RqVaeModel } from './spec';

/** What residual quantisation of rows z [n, D] gives at each depth d: the code chosen, the residual it coded. */
export interface Depth {
  indices: Tensor;
  oneHot: Tensor;
  /** r_d, what depth d quantised (z for d = 1). */
  residual: Tensor;
  /** ẑ^(d) = Σ_{d' ≤ d} e(k_{d'}), the partial sum. */
  partial: Tensor;
}

/** Lee et al. 2022, eq. 2–3: k_d = argmin_k ‖r_{d−1} − e_d(k)‖, r_d = r_{d−1} − e_d(k_d), r_0 = z. */
export function residualQuantise(z: Tensor, codebooks: Tensor[]): Depth[] {
  const out: Depth[] = [];
  let residual = z;
  let partial: Tensor = tf.zerosLike(z);
  for (const book of codebooks) {
    const { indices, oneHot, zq } = nearestCode(residual, book);
    partial = tf.add(partial, zq);
    out.push({ indices, oneHot, residual, partial });
    residual = tf.sub(residual, zq);
  }
  return out;
}

export const rqVaeFamily: FamilyModel<RqVaeModel> = {
  build({ model: m, training, inputShape, seed }): BuiltModel {
    const arch = rqArchitecture(m);
    const d = m.codeSize;
    const k = m.codebookSize;
    const n = m.quantizers;
    const books = m.sharedCodebook ? 1 : n;
    const encoder = buildEncoder(inputShape, arch, seed, { codeUnits: m.positions * d });
    const decoder = buildDecoder(inputShape, arch, m.outputActivation, seed);
    // The codebooks [books, K, D] and their EMAs (counts and sums), all updated after each step, none by the optimizer.
    const codebook = variableFrom(
      tf.randomUniform([books, k, d], -1 / k, 1 / k, 'float32', deriveSeed(seed, 17)),
      false,
      freshVariableName('rq_codebook'),
    );
    const emaCount = variableFrom(tf.zeros([books, k]), false, freshVariableName('rq_ema_count'));
    const emaSum = variableFrom(tf.clone(codebook), false, freshVariableName('rq_ema_sum'));
    let restarts = 0;
    const weights: Weight[] = [
      { name: 'codebook', shape: [books, k, d], read: () => codebook },
      { name: 'codebook_ema_count', shape: [books, k], read: () => emaCount },
      { name: 'codebook_ema_sum', shape: [books, k, d], read: () => emaSum },
    ];
    const bookAt = (depth: number) => tf.squeeze(tf.slice(codebook, [m.sharedCodebook ? 0 : depth, 0, 0], [1, k, d]), [0]);
    const books_ = () => Array.from({ length: n }, (_, depth) => bookAt(depth));
    const recon = meanReconstructionLoss(training);
    const batchOf = (x: Tensor) => x.shape[0] ?? 0;
    const encode = (x: Tensor) => tf.reshape(encoder.apply(x) as Tensor, [-1, d]);
    const quantise = (x: Tensor) => residualQuantise(encode(x), books_());
    const decodeRows = (rows: Tensor, batch: number) => decoder.apply(tf.reshape(rows, [batch, -1])) as Tensor;
    const last = (depths: Depth[]) => depths[depths.length - 1] as Depth;
    const [h, w] = codeGridShape({ positions: m.positions, codeSize: d, decoder: m.decoder });

    /** The training step's encodings, for its EMA update (from the same forward pass, as the VQ-VAE's). */
    let stepEncoded: Tensor | undefined;
    return {
      computeLoss(x, training) {
        const ze = encode(x);
        if (training) {
          stepEncoded?.dispose();
          stepEncoded = tf.keep(tf.clone(stopGradient(ze)));
        }
        const depths = residualQuantise(ze, books_());
        const zq = last(depths).partial;
        // Straight through: forward ẑ^(N), backward to z_e.
        const reconstruction = recon(x, decodeRows(tf.add(ze, stopGradient(tf.sub(zq, ze))), batchOf(x)));
        // Lee et al. 2022, eq. 5: the encoder commits to every partial sum.
        const commitment = tf.addN<Scalar>(depths.map((q) => tf.mean<Scalar>(tf.squaredDifference(ze, stopGradient(q.partial)))));
        const usage = depths.map((q) => codeUsage(q.oneHot));
        const mean = (xs: Scalar[]) => tf.div<Scalar>(tf.addN(xs), xs.length);
        return {
          total: tf.add<Scalar>(reconstruction, tf.mul(m.commitment, commitment)),
          parts: {
            reconstruction,
            commitment,
            perplexity: mean(usage.map((u) => u.perplexity)),
            codebook_usage: mean(usage.map((u) => u.usage)),
            residual: tf.mean<Scalar>(tf.squaredDifference(ze, zq)),
          },
        };
      },
      // EMA updates (van den Oord et al. 2017, appendix A.1), each book from the residuals it coded, then codes with an
      // EMA count below 1e-3 restart on random residuals of this batch (kakaobrain/rq-vae-transformer's
      // `restart_unused_codes`), in the graph: no read back in the step.
      afterStep() {
        if (!stepEncoded) return;
        const depths = residualQuantise(stepEncoded, books_());
        const per = (t: (q: Depth) => Tensor) => depths.map(t);
        const counts = per((q) => tf.sum(q.oneHot, 0));
        const sums = per((q) => tf.matMul(q.oneHot, q.residual, true, false));
        const stack = (ts: Tensor[]) => (m.sharedCodebook ? tf.expandDims(tf.addN(ts), 0) : tf.stack(ts));
        const decay = m.emaDecay;
        let count = tf.add(tf.mul(decay, emaCount), tf.mul(1 - decay, stack(counts)));
        let sum = tf.add(tf.mul(decay, emaSum), tf.mul(1 - decay, stack(sums)));
        const total = tf.sum(count, 1, true);
        const smoothed = tf.mul(tf.div(tf.add(count, 1e-5), tf.add(total, k * 1e-5)), total);
        let book = tf.div(sum, tf.expandDims(smoothed, 2));
        // Restarts: each book's dead codes take residuals its depth coded (the first depth's, for a shared book).
        const dead = tf.expandDims(tf.less(count, 1e-3), 2);
        const candidates = tf.stack(
          Array.from({ length: books }, (_, b) => {
            const r = (depths[b] as Depth).residual;
            const rows = r.shape[0] ?? 1;
            const pick = tf.randomUniform([k], 0, rows, 'int32', deriveSeed(seed, 1000 + restarts * 31 + b));
            return tf.gather(r, pick);
          }),
        );
        restarts++;
        book = tf.where(tf.broadcastTo(dead, book.shape), candidates, book);
        count = tf.where(tf.squeeze(dead, [2]), tf.onesLike(count), count);
        sum = tf.mul(book, tf.expandDims(count, 2));
        emaCount.assign(count);
        emaSum.assign(sum);
        codebook.assign(book);
      },
      state: () => ({ restarts }),
      restore(state) {
        restarts = Number(state['restarts'] ?? 0);
      },
      reconstruct: (x) => decodeRows(last(quantise(x)).partial, batchOf(x)),
      encode: (x) => tf.reshape(last(quantise(x)).partial, [batchOf(x), -1]),
      decode: (z) => decoder.apply(z) as Tensor,
      // The grid is the positions' grid with each position's N codes side by side, [h, w·N]: raster order is position by
      // position, depth by depth within one, the order of the RQ-Transformer (Lee et al. 2022, §3.2).
      codeGrid: {
        codebookSize: k,
        grid: [h, w * n],
        codebooks: books,
        indices: (x) =>
          tf.reshape(
            tf.stack(
              quantise(x).map((q) => q.indices),
              1,
            ),
            [batchOf(x), m.positions * n],
          ),
        decodeIndices(indices) {
          const batch = indices.shape[0] ?? 0;
          const perDepth = tf.unstack(tf.reshape(indices, [-1, n]), 1);
          const rows = tf.addN(perDepth.map((idx, depth) => tf.gather(bookAt(depth), idx)));
          return decodeRows(rows, batch);
        },
      },
      trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights],
      weights: () => [...encoder.weights, ...decoder.weights, ...weights],
      summary: () => [
        ...summarize(encoder, decoder),
        { name: m.sharedCodebook ? 'codebook (shared)' : 'codebooks', outputShape: [books, k, d], params: books * k * d },
      ],
      // Each encoder row [codeSize] coded residually: depth by depth, the nearest row of codebook[depth] (of one
      // shared book when sharedCodebook), subtracted; the sum of the chosen rows is the decoder's input.
      layersModels: () => ({ encoder, decoder }),
      exportArrays: () => ({ codebook }),
      exportNotes: () => ({
        codebook:
          `${books} × ${k} × ${d}${m.sharedCodebook ? ' (one book, shared by every depth)' : ''}: each encoder row is coded residually, ` +
          "depth by depth the nearest row of that depth's book subtracted; the sum of the rows chosen is the decoder's input",
      }),
      dispose() {
        tf.dispose([codebook, emaCount, emaSum]);
        stepEncoded?.dispose();
        encoder.dispose();
        decoder.dispose();
      },
      async views({ panel, sample }): Promise<(ImageView | ChartView)[]> {
        const reads = new Reads();
        const counts: Float32Array[] = [];
        const shown = Math.min(panel.shape[0] ?? 0, 10);
        const pixels = panel.shape[1] ?? 0;
        const rows = tf.tidy(() => {
          quantise(sample).forEach((q, depth) => reads.values(tf.sum(q.oneHot, 0), (c) => (counts[depth] = c)));
          const images = tf.slice(panel, [0, 0], [shown, -1]);
          const rowsOf = (t: Tensor) => reads.rows(t, shown, pixels);
          return [rowsOf(images), ...quantise(images).map((q) => rowsOf(decodeRows(q.partial, shown)))];
        });
        await reads.read();
        const out: (ImageView | ChartView)[] = [
          {
            kind: 'code-usage',
            chart: 'histogram',
            axis: 'code (depth × codebook size + index)',
            caption: `How often each code is chosen over ${sample.shape[0]} test images, depth by depth (${n} × ${k} bins): ${counts.map((c, i) => `depth ${i + 1}: ${c.filter((v) => v > 0).length} in use`).join(', ')}`,
            bins: counts.flatMap((c, depth) =>
              Array.from(c, (count, i) => ({ from: depth * k + i, to: depth * k + i + 1, count })),
            ),
          },
          {
            kind: 'depth-reconstructions',
            caption: `Test images (top) and their reconstructions from the first d of ${n} quantisers (rows below, d = 1…${n})`,
            rows,
          },
        ];
        return out;
      },
    };
  },
};
