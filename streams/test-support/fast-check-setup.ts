import fc from 'fast-check';

// Property tests run from a fixed seed so that CI is deterministic. To explore new cases, run
// with FC_SEED=random (or a number to replay a reported failure).
const requested = process.env.FC_SEED;
const seed = requested === 'random' ? Date.now() ^ (Math.random() * 2 ** 31) : Number(requested ?? 20261125);
fc.configureGlobal({ seed });
