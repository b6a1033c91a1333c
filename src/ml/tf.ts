import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

// tfjs ships CommonJS builds for Node; requiring them keeps one engine shared with the backends
// (an ESM import of tfjs-core next to a CommonJS backend registers the backend in another engine).
// Not named `require`: electron-vite's bundle of the worker declares its own (a CommonJS shim) beside it, and an ES
// module declaring `require` twice does not load (out/main/worker.js, tests/e2e/bundle.spec.ts).
export const tfRequire = createRequire(import.meta.url);

export const tf = tfRequire('@tensorflow/tfjs-core') as typeof TfCore;
export const tfl = tfRequire('@tensorflow/tfjs-layers') as typeof TfLayers;
export type Tensor = TfCore.Tensor;
export type Scalar = TfCore.Scalar;
export type Tensor2D = TfCore.Tensor2D;
export type Variable = TfCore.Variable;
export type LayersModel = TfLayers.LayersModel;
export type LayerVariable = TfLayers.LayerVariable;
