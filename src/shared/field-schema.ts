/** The subset of JSON Schema (as zod's toJSONSchema writes it) the studio's forms render. */
export interface FieldSchema {
  type?: 'integer' | 'number' | 'string' | 'array' | 'boolean' | 'object';
  enum?: string[];
  /** What the form shows for each of `enum`'s values, e.g. { mss: 'minibatch stratified sampling (MSS)' }. */
  optionLabels?: Record<string, string>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: FieldSchema;
  maxItems?: number;
  label?: string;
  help?: string;
  step?: number;
  /** Upper end of a slider when the allowed maximum is far larger than the useful range. */
  sliderMax?: number;
  widget?: 'widths' | 'slider' | 'stack' | 'dataset';
  properties?: Record<string, FieldSchema>;
  required?: string[];
  /** For an optional object: the value it takes when the user turns it on (e.g. a schedule's kind and warm-up). */
  initial?: Record<string, unknown>;
  /** What an empty text field shows, e.g. an example list. */
  placeholder?: string;
  /** What the field left unset means (a clip norm: off; a subset: all): the form's empty choice and the tables show it. */
  unset?: string;
  /** Unset, for a schedule of this kind (with `onlyFor`): a gamma is 0.1 for a step schedule, 0.95 for an exponential one. */
  unsetByKind?: Record<string, string>;
  /** Unset, where this sibling is set: every N epochs is off when every M minutes is set. */
  unsetBeside?: Record<string, string>;
  /** Read only where this sibling is set (to one of `values`): a capacity ramp only with a capacity, an EMA decay only with EMA. */
  readWith?: { field: string; values?: string[] };
  /** For a field of an object with a `kind`: the kinds that read it (the form hides it for the others). */
  onlyFor?: string[];
  /**
   * The loss is defined by this field (a term's weight such as β, the reconstruction loss, the denoiser's noise): runs
   * that differ in it report losses on different scales, so a sweep of it is not judged by its loss.
   */
  scalesLoss?: boolean;
}
