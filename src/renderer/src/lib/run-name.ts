/**
 * A run's name where runs are listed. A sweep's runs are named `<sweep> · <their parameters>` (src/shared/sweep.ts,
 * the study's too), and the sweep's name is their experiment's: cut to fit, every one of them read the same
 * ("disentanglement study of β-V…"). Listed, a run shows what is its own first, and its experiment after it.
 */
export function runNameParts(name: string, experiment: string): { own: string; experiment: string | null } {
  const prefix = `${experiment} · `;
  if (experiment && name.startsWith(prefix) && name.length > prefix.length) {
    return { own: name.slice(prefix.length), experiment };
  }
  // A study's run whose name has its experiment's cut short (memberRunName).
  const cut = name.indexOf('… · ');
  if (cut > 0 && experiment.startsWith(name.slice(0, cut).trimEnd()) && name.length > cut + 4) {
    return { own: name.slice(cut + 4), experiment };
  }
  return { own: name, experiment: null };
}

/**
 * A run's name beside a label that already says one of its parameters (`beta=9.43` beside a tile coloured by β): the
 * name without that parameter, so the others fit ("learningRate=0.0126", not "beta=9.43 learningRate=0.0…").
 */
export function nameBeside(name: string, label: string | null): string {
  if (!label) return name;
  const words = name.split(' ');
  const kept = words.filter((w) => w !== label).join(' ');
  // Nothing of its own left (a sweep of one parameter: "sweep · beta=9.43"): the whole name.
  return kept.length === name.length || /(^|·)\s*$/.test(kept) ? name : kept;
}
