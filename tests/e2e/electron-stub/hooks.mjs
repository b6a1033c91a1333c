// Resolves `electron` to the stand-in beside this file (module.register's resolve hook).
const stub = new URL('./electron.mjs', import.meta.url).href;
export async function resolve(specifier, context, next) {
  return specifier === 'electron' ? { url: stub, shortCircuit: true } : next(specifier, context);
}
