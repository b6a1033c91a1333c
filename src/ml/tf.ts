import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfLayers from '@tensorflow/tfjs-layers';

// tfjs ships CommonJS builds for Node; requiring them keeps one engine shared with the backends
// (an ESM import of tfjs-core next to a CommonJS backend registers the backend in another engine).
const require = createRequire(import.meta.url);

export const tf = require('@tensorflow/tfjs-core') as typeof TfCore;
export const tfl = require('@tensorflow/tfjs-layers') as typeof TfLayers;
export type Tensor = TfCore.Tensor;
export type Scalar = TfCore.Scalar;
export type Tensor2D = TfCore.Tensor2D;
export type Variable = TfCore.Variable;
export type LayersModel = TfLayers.LayersModel;
export type LayerVariable = TfLayers.LayerVariable;
export { require as tfRequire };
