import { elboRun } from './bench/vae-elbo';
const r = await elboRun(Number(process.argv[2] ?? 10));
console.log(JSON.stringify({ negElbo: r.negElbo, seconds: r.seconds, backend: r.backend, status: r.status }));
process.exit(0);
