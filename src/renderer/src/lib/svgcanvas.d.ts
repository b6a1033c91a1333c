/** The part of svgcanvas (https://github.com/zenozeng/svgcanvas, MIT) the chart export uses; it ships no types. */
declare module 'svgcanvas' {
  export class Context {
    constructor(options: { width: number; height: number; document?: Document });
    getSerializedSvg(fixNamedEntities?: boolean): string;
  }
}
