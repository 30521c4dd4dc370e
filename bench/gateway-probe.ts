// Preloaded into the gateway by bench/run.ts only: on SIGUSR2, collect garbage (twice, so weakly held
// objects go too) and print memory use, so idle-memory figures do not depend on when V8 last collected.
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.stdout.write(`${JSON.stringify({ memory: process.memoryUsage() })}\n`);
});
